"""Issue 13, "budgets that hold": 50 parallel requests (threads, each its own connection and
transaction) against a budget that covers three jobs' maximum cost, then a real worker runs
what was accepted against the fake OpenAI-compatible server. Spend plus what open jobs hold
never passes the budget; once jobs settle, the room they did not use is offered again."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from content import services as content_services
from content.assistant import usage
from content.models import Brief, GenerationJob
from content.services import jobs
from tenants.models import Brand
from tests.conftest import client_for, committed_brands
from tests.content.fake_ai import FakeAI
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration

PARALLEL = 50


@pytest.fixture
def ai_server() -> Iterator[FakeAI]:
    server = FakeAI().start()
    yield server
    server.stop()


@pytest.fixture
def brand(world, django_db_blocker) -> Iterator[Brand]:  # type: ignore[no-untyped-def]
    with committed_brands(world, django_db_blocker, ("budget-beans", "Budget Beans")) as (made,):
        yield made


def _burst(world, brand: Brand, brief: Brief) -> list[int]:  # type: ignore[no-untyped-def]
    """PARALLEL generate requests released at once; their status codes."""
    start = threading.Barrier(PARALLEL)
    codes: list[int] = []
    lock = threading.Lock()
    writer = world.admin  # an agency admin may generate in every brand of the agency

    def ask() -> None:
        try:
            client = client_for(writer)
            start.wait()
            response = client.post(
                f"/brands/{brand.slug}/api/v1/briefs/{brief.pk}/generate/", {}, format="json"
            )
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def _month(brand: Brand) -> usage.MonthUsage:
    from django.utils import timezone

    with schema_context(brand.schema_name):
        return usage.month_usage(brand_settings=jobs.assistant_settings(), now=timezone.now())


def test_fifty_parallel_requests_never_commit_more_than_the_budget(
    world, brand, django_db_blocker, ai_server, settings
) -> None:
    ai_server.obey()  # answers every call with a short draft
    settings.AI_BASE_URL, settings.AI_API_KEY = ai_server.base_url, "test-key"
    one_job = usage.reservation_for(variants=1, judge=False, offline=False)
    # Room for three jobs' maximum cost, not four.
    budget = (one_job * 3 + Decimal("0.005")).quantize(Decimal("0.01"))
    assert one_job * 3 <= budget < one_job * 4
    with django_db_blocker.unblock():
        with schema_context(brand.schema_name):
            channel = content_services.create_channel(network="linkedin", handle="budgetbeans")
            brief = content_services.create_brief(
                title="Beans",
                key_message="Single-origin beans, roasted weekly.",
                channels=[channel],
            )
            content_services.update_assistant_settings(monthly_budget=budget)

        codes = _burst(world, brand, brief)
        assert sorted(set(codes)) == [202, 402], codes
        assert codes.count(202) == 3
        month = _month(brand)
        assert month.cost <= budget
        assert month.held == one_job * 3

        env = _worker_env()
        env.update({"AI_BASE_URL": ai_server.base_url, "AI_API_KEY": "test-key"})
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "4"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            peak = Decimal(0)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                month = _month(brand)
                peak = max(peak, month.cost)
                with schema_context(brand.schema_name):
                    open_jobs = GenerationJob.objects.exclude(status__in=["succeeded", "failed"])
                    if not open_jobs.exists():
                        break
                time.sleep(0.3)
            with schema_context(brand.schema_name):
                assert set(GenerationJob.objects.values_list("status", flat=True)) == {"succeeded"}
            settled = _month(brand)
            assert settled.held == 0
            assert Decimal(0) < settled.cost < one_job  # three short calls cost very little

            # The room the finished jobs did not use is offered again, still never more. The
            # worker is running now: jobs that settle during the burst free room for more.
            again = _burst(world, brand, brief)
            assert 3 <= again.count(202) < PARALLEL
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                month = _month(brand)
                peak = max(peak, month.cost)
                with schema_context(brand.schema_name):
                    if not GenerationJob.objects.exclude(
                        status__in=["succeeded", "failed"]
                    ).exists():
                        break
                time.sleep(0.3)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        final = _month(brand)
    accepted = 3 + again.count(202)
    print(
        f"\nbudget {budget} USD, {one_job} held per job: {accepted} of {2 * PARALLEL} requests "
        f"accepted; peak spent+held {peak}; settled spend {final.cost}"
    )
    assert peak <= budget
    assert final.cost <= budget
    assert final.jobs == accepted
