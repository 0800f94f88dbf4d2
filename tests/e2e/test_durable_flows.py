"""Issue 12 §1 and 14.10 with a real worker process: cross-app flows survive a failing
reaction, a stopped worker and a worker killed with kill -9 mid-run.

Every test works on committed data in a brand of its own (the worker reads it over its own
connection), started with ``rundramatiq`` (and the scheduler where the reconciler's part is
the point) as in production; faults are injected at the database (tests/outbox/faults.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approval_services
from approvals.models import ApprovalRequest
from content import services as content_services
from content.models import Draft, GenerationJob
from content.services import jobs
from integrations import events
from integrations import services as integration_services
from integrations.models import Delivery, Event
from outbox.models import OutboxEvent
from tenants.models import Brand
from tests.approvals.factories import DraftFactory
from tests.conftest import committed_brands
from tests.outbox.faults import make_routing_fail_once, routing_attempts
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration

FAST = {
    "OUTBOX_RETRY_MIN_BACKOFF_MS": "300",
    "OUTBOX_RECONCILE_INTERVAL_SECONDS": "2",
    "OUTBOX_RECONCILE_AFTER_SECONDS": "3",
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOK_BACKOFF_BASE_SECONDS": "1",
    "AI_BASE_URL": "",
    "AI_API_KEY": "",
    "AI_RETRY_MAX_BACKOFF_MS": "2000",
    "AI_JOB_REQUEUE_AFTER_SECONDS": "3",
}


def _start(*command: str) -> subprocess.Popen:
    env = _worker_env()
    env.update(FAST)
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _worker() -> subprocess.Popen:
    return _start("rundramatiq", "--processes", "1", "--threads", "4")


def _scheduler() -> subprocess.Popen:
    return _start("crontab", "--no-heartbeat")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _kill_9(process: subprocess.Popen) -> None:
    """kill -9 the worker and every process it started (rundramatiq forks its workers)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


class Receiver:
    """A webhook receiver on loopback that counts each event id it got."""

    def __init__(self) -> None:
        self.got: Counter[str] = Counter()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                state.got[json.loads(body)["id"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def brand(world, django_db_blocker, settings) -> Iterator[Brand]:  # type: ignore[no-untyped-def]
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    with committed_brands(world, django_db_blocker, ("durable-dates", "Durable Dates")) as (b,):
        with django_db_blocker.unblock(), schema_context(b.schema_name):
            # Every post needs sign-off, so routing a draft opens a request.
            approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        with django_db_blocker.unblock():
            yield b


@pytest.fixture
def receiver(brand: Brand) -> Iterator[Receiver]:
    got = Receiver()
    with schema_context(brand.schema_name):
        integration_services.create_endpoint(url=got.url, event_types=[])
    yield got
    got.close()


def _ready_draft(brand: Brand) -> int:
    with schema_context(brand.schema_name):
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        with transaction.atomic():
            content_services.mark_draft_ready(draft=draft)
        return draft.pk


def _open_requests(brand: Brand, draft_ids: list[int]) -> Counter[int]:
    with schema_context(brand.schema_name):
        return Counter(
            ApprovalRequest.objects.filter(
                subject_kind="post", subject_id__in=draft_ids
            ).values_list("subject_id", flat=True)
        )


def _all_routed(brand: Brand, draft_ids: list[int]) -> bool:
    with schema_context(brand.schema_name):
        routed = Draft.objects.filter(pk__in=draft_ids, status="in_review").count()
    return routed == len(draft_ids)


def _events_per_draft(brand: Brand, event_type: str) -> Counter[int]:
    with schema_context(brand.schema_name):
        found = Event.objects.filter(type=event_type).values_list("data", flat=True)
        key = "draft_id" if event_type == events.DRAFT_READY else "subject_id"
        return Counter(data[key] for data in found)


def _check_each_draft_routed_and_announced_once(
    brand: Brand, draft_ids: list[int], receiver: Receiver
) -> None:
    def settled() -> bool:
        with schema_context(brand.schema_name):
            return not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()

    # Routing a draft announces its request: wait for that reaction too.
    assert _wait_until(settled, timeout=60)
    assert _open_requests(brand, draft_ids) == Counter(dict.fromkeys(draft_ids, 1))
    assert _events_per_draft(brand, events.DRAFT_READY) == Counter(dict.fromkeys(draft_ids, 1))
    assert _events_per_draft(brand, events.APPROVAL_REQUESTED) == Counter(
        dict.fromkeys(draft_ids, 1)
    )
    with schema_context(brand.schema_name):
        # draft.ready before the approval.requested it led to, by the time of the change.
        for draft_id in draft_ids:
            ready = Event.objects.get(type=events.DRAFT_READY, data__draft_id=draft_id)
            requested = Event.objects.get(type=events.APPROVAL_REQUESTED, data__subject_id=draft_id)
            assert ready.created_at < requested.created_at
        event_ids = {str(e) for e in Event.objects.values_list("id", flat=True)}
        # One delivery per event and endpoint, each delivered.
        assert Delivery.objects.count() == len(event_ids)

        def delivered() -> bool:
            return not Delivery.objects.exclude(status="succeeded").exists()

        if not _wait_until(delivered, timeout=20):
            # A delivery whose message a killed worker held: the broker gives it back once it
            # notices the dead worker, and the stalled-deliveries sweep (every 10 minutes)
            # sends it again; here the sweep's run is sent now, as if 10 minutes had passed.
            integration_services.requeue_stalled_deliveries(now=timezone.now() + timedelta(hours=1))
        assert _wait_until(delivered, timeout=60)
    assert set(receiver.got) == event_ids


def test_routing_that_fails_once_is_retried_by_the_worker(brand, receiver) -> None:
    make_routing_fail_once(brand.schema_name)
    worker = _worker()
    try:
        draft_id = _ready_draft(brand)
        assert _wait_until(lambda: _all_routed(brand, [draft_id]), timeout=60)
        with schema_context(brand.schema_name):
            # The first routing failed, the worker's retry succeeded.
            assert routing_attempts(brand.schema_name) == 2
        _check_each_draft_routed_and_announced_once(brand, [draft_id], receiver)
    finally:
        _stop(worker)
    assert all(count == 1 for count in receiver.got.values())


def test_a_draft_committed_while_the_worker_is_stopped_is_routed_when_it_starts(
    brand, receiver
) -> None:
    draft_id = _ready_draft(brand)  # committed; its reaction waits in the broker
    time.sleep(2)
    assert _open_requests(brand, [draft_id]) == Counter()
    worker = _worker()
    try:
        assert _wait_until(lambda: _all_routed(brand, [draft_id]), timeout=60)
        _check_each_draft_routed_and_announced_once(brand, [draft_id], receiver)
    finally:
        _stop(worker)


DRAFTS = 40


def test_worker_killed_mid_run_every_draft_is_routed_and_announced_once(brand, receiver) -> None:
    """Issue 14.10: kill -9 the worker while it works through many ready drafts; a new
    worker and the scheduler's reconciler finish everything, each exactly once."""
    worker = _worker()
    scheduler = None
    try:
        # The worker is well under way (it routed some), then gets more and dies mid-run.
        draft_ids = [_ready_draft(brand) for _ in range(10)]
        assert _wait_until(lambda: sum(_open_requests(brand, draft_ids).values()) > 0, 60)
        draft_ids += [_ready_draft(brand) for _ in range(DRAFTS - 10)]
        _kill_9(worker)
        routed_at_kill = sum(_open_requests(brand, draft_ids).values())
        print(f"killed with {routed_at_kill} of {DRAFTS} drafts routed")
        worker, scheduler = _worker(), _scheduler()
        assert _wait_until(lambda: _all_routed(brand, draft_ids), timeout=90), (
            f"{routed_at_kill} of {DRAFTS} routed at the kill"
        )
        _check_each_draft_routed_and_announced_once(brand, draft_ids, receiver)
    finally:
        _stop(worker)
        _stop(scheduler)


JOBS = 30


def test_worker_killed_mid_run_every_job_finishes_and_its_drafts_are_routed_once(
    brand, receiver
) -> None:
    """Issue 14.10: kill -9 the worker while it runs AI jobs. The broker gives the messages the
    dead worker held back once its heartbeat is older than REDIS_HEARTBEAT_TIMEOUT_SECONDS (30);
    the new worker takes over the jobs it had running (same message) and runs the rest."""
    with schema_context(brand.schema_name):
        channel = content_services.create_channel(network="linkedin", handle="durabledates")
        brief = content_services.create_brief(
            title="Dates", key_message="Medjool season.", channels=[channel]
        )
    worker = _worker()
    scheduler = None
    try:

        def succeeded(ids: list[int]) -> int:
            with schema_context(brand.schema_name):
                return GenerationJob.objects.filter(pk__in=ids, status="succeeded").count()

        with schema_context(brand.schema_name):
            job_ids = [jobs.request_post_drafts(brief=brief).pk for _ in range(5)]
        assert _wait_until(lambda: succeeded(job_ids) > 0, 60)
        with schema_context(brand.schema_name):
            job_ids += [jobs.request_post_drafts(brief=brief).pk for _ in range(JOBS - 5)]
        time.sleep(0.5)
        _kill_9(worker)
        with schema_context(brand.schema_name):
            at_kill = Counter(
                GenerationJob.objects.filter(pk__in=job_ids).values_list("status", flat=True)
            )
        print(f"killed with jobs {dict(at_kill)}")
        started = time.monotonic()
        worker, scheduler = _worker(), _scheduler()

        def finished() -> bool:
            with schema_context(brand.schema_name):
                return (
                    GenerationJob.objects.filter(pk__in=job_ids, status="succeeded").count() == JOBS
                )

        assert _wait_until(finished, timeout=150)
        print(f"all {JOBS} jobs finished {time.monotonic() - started:.0f}s after the kill")
        with schema_context(brand.schema_name):
            draft_ids = list(Draft.objects.filter(job_id__in=job_ids).values_list("pk", flat=True))
        assert _wait_until(lambda: _all_routed(brand, draft_ids), timeout=30)
        _check_each_draft_routed_and_announced_once(brand, draft_ids, receiver)
    finally:
        _stop(worker)
        _stop(scheduler)
