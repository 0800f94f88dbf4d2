"""Issue 18 with a real worker: the every-minute evaluation cycle (sent here as the scheduler
sends it) finds a channel gone quiet through the public index, writes the brief once, and a
second cycle inside the cool-down fires nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from content import services as content_services
from content.models import Brief, Draft
from listening.models import TriggerFiring
from listening.services import triggers
from listening.tasks import evaluate_trigger_cycle
from tests.e2e.test_listening_flow import _wait
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration


def test_the_periodic_cycle_fires_a_quiet_channel_trigger_once_per_cool_down(
    world, own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock():
        with schema_context(own_brand.schema_name):
            channel = content_services.create_channel(network="instagram", handle="ownbrand")
            Draft.objects.create(
                kind="post",
                channel=channel,
                text="Our last post",
                status="published",
                external_id="ig-last",
                published_at=timezone.now() - timedelta(days=4),
            )
            triggers.create_trigger(
                values={
                    "name": "Instagram gone quiet",
                    "enabled": True,
                    "condition": "absence",
                    "absence_days": 3,
                    "channel": channel.pk,
                    "cooldown_minutes": 24 * 60,
                    "brief_title": "Back on Instagram",
                    "key_message": "What is new this week.",
                },
                created_by=None,
            )
        connection.set_schema_to_public()
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2"],
            cwd=ROOT,
            env=_worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            evaluate_trigger_cycle.send()
            _wait(own_brand, lambda: TriggerFiring.objects.exists())
            # The next minute's cycle, and one overlapping it: inside the cool-down.
            evaluate_trigger_cycle.send()
            evaluate_trigger_cycle.send()
            time.sleep(3)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()

        with schema_context(own_brand.schema_name):
            (firing,) = TriggerFiring.objects.all()
            (brief,) = Brief.objects.all()
            assert firing.outcome == "brief_created" and firing.brief_id == brief.pk
            assert firing.inputs["condition"] == "absence"
            assert not Draft.objects.exclude(external_id="ig-last").exists()
