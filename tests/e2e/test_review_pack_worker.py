"""Issue 17 with a real worker: opening a weekly review sends the pack build to the worker
process, which assembles it from the brand's real rows (plan delivery here) and announces
review.ready; the API then shows the pack ready."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content import services as content_services
from integrations.models import Event
from planning.horizon import week_start
from planning.models import Pillar, PlanItem, Review
from tenants.models import Brand
from tests.conftest import client_for
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration


def _wait(brand: Brand, done, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(brand.schema_name):
            if done():
                return
        time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


def test_a_real_worker_builds_the_review_pack_and_announces_it(
    world, own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock():
        monday = week_start(timezone.now().date())
        with schema_context(own_brand.schema_name):
            channel = content_services.create_channel(network="instagram", handle="ownbrand")
            pillar = Pillar.objects.create(name="Coffee culture", target_share=60)
            common = {"channel": channel, "pillar": pillar, "planned_on": monday}
            PlanItem.objects.create(title="Out", status="published", **common)
            PlanItem.objects.create(title="Still open", status="scheduled", **common)
            PlanItem.objects.create(title="Dropped", status="dropped", **common)
        strategist = client_for(world.admin)

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2"],
            cwd=ROOT,
            env=_worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            opened = strategist.post(
                f"/brands/{own_brand.slug}/api/v1/plan/reviews/",
                {"period": "week", "period_start": str(monday + timedelta(days=2))},
            )
            assert opened.status_code == 201, opened.json()
            assert opened.json()["pack_state"] == "queued"
            _wait(own_brand, lambda: Event.objects.filter(type="review.ready").exists())
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()

        shown = strategist.get(
            f"/brands/{own_brand.slug}/api/v1/plan/reviews/{opened.json()['id']}/"
        ).json()
        assert shown["pack_state"] == "ready" and shown["pack_built_at"]
        delivery = shown["pack"]["delivery"]
        assert (delivery["planned"], delivery["published"], delivery["dropped"]) == (2, 1, 1)
        with schema_context(own_brand.schema_name):
            (event,) = Event.objects.filter(type="review.ready")
            assert event.data["review_id"] == opened.json()["id"]
            assert Review.objects.get().pack_generation == 1
