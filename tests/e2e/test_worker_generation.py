"""A real worker process writes drafts for the brand that asked, through the real broker."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from content import services as content_services
from content.models import Draft, GenerationJob
from content.services import jobs
from tenants.models import Brand
from tests.conftest import committed_brands
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration


@pytest.fixture
def brand_pair(world, django_db_blocker) -> Iterator[tuple[Brand, Brand]]:
    """Two brands of their own with committed data (a worker reads it over its own
    connection), dropped afterwards so no other test sees what the worker wrote."""
    pair = (("wharf-wines", "Wharf Wines"), ("quay-cheese", "Quay Cheese"))
    with committed_brands(world, django_db_blocker, *pair) as (wines, cheese):
        yield wines, cheese


def test_worker_process_writes_offline_drafts_in_the_brand_that_asked(
    world, brand_pair, django_db_blocker
) -> None:
    wines, cheese = brand_pair
    with django_db_blocker.unblock():
        with schema_context(wines.schema_name):
            channel = content_services.create_channel(network="linkedin", handle="wharfwines")
            brief = content_services.create_brief(
                title="Harvest",
                goal="awareness",
                key_message="The harvest is in.",
                channels=[channel],
            )
            job = jobs.request_post_drafts(brief=brief, variants=2, created_by=world.admin)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2"],
            cwd=ROOT,
            env=_worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            status = "queued"
            while time.monotonic() < deadline and status not in ("succeeded", "failed"):
                time.sleep(0.2)
                with schema_context(wines.schema_name):
                    status = GenerationJob.objects.get(pk=job.pk).status
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()

        assert status == "succeeded"
        with schema_context(wines.schema_name):
            drafts = list(Draft.objects.filter(job_id=job.pk))
            assert len(drafts) == 2
            assert all(d.provider == "offline" for d in drafts)
            assert all(d.status != Draft.Status.DRAFT for d in drafts)  # checked and routed
        with schema_context(cheese.schema_name):
            assert not Draft.objects.exists()
            assert not GenerationJob.objects.exists()
