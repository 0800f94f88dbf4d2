"""Worker messages run in the brand they were sent for, and never carry a brand into the next."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import dramatiq
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django_tenants.utils import schema_context
from dramatiq.middleware import SkipMessage

from tenants import services
from tenants.models import WorkerPing
from tenants.worker import OPTION, BrandContextMiddleware, BrandContextUnavailable

ROOT = Path(__file__).resolve().parents[2]


def _message(schema: str | None) -> dramatiq.Message:
    return dramatiq.Message(
        queue_name="default",
        actor_name="answer_worker_ping",
        args=(1,),
        kwargs={},
        options={OPTION: schema},
    )


# --- The middleware itself ----------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_records_the_brand_the_sender_is_in(world) -> None:
    middleware = BrandContextMiddleware()
    message = dramatiq.Message(queue_name="default", actor_name="x", args=(), kwargs={}, options={})
    with schema_context(world.a.brand.schema_name):
        middleware.before_enqueue(None, message, None)
    assert message.options[OPTION] == world.a.brand.schema_name


@pytest.mark.django_db
def test_worker_activates_the_messages_brand_and_resets_after_success_and_failure(world) -> None:
    middleware = BrandContextMiddleware()
    middleware.before_process_message(None, _message(world.b.brand.schema_name))
    assert connection.schema_name == world.b.brand.schema_name
    middleware.after_process_message(None, _message(None), result=None)
    assert connection.schema_name == "public"

    middleware.before_process_message(None, _message(world.a.brand.schema_name))
    middleware.after_process_message(None, _message(None), exception=RuntimeError("boom"))
    assert connection.schema_name == "public"


@pytest.mark.django_db
def test_message_without_brand_runs_in_public_even_after_a_brand_message(world) -> None:
    middleware = BrandContextMiddleware()
    middleware.before_process_message(None, _message(world.a.brand.schema_name))
    # No after-hook ran (say the thread was interrupted): the next message still starts clean.
    middleware.before_process_message(None, _message(None))
    assert connection.schema_name == "public"


@pytest.mark.django_db
def test_message_for_a_deleted_or_suspended_brand_is_skipped(world) -> None:
    middleware = BrandContextMiddleware()
    with pytest.raises(SkipMessage):
        middleware.before_process_message(None, _message("brand_that_was_deleted"))
    services.suspend_brand(brand=world.a.brand)
    try:
        with pytest.raises(SkipMessage):
            middleware.before_process_message(None, _message(world.a.brand.schema_name))
    finally:
        services.activate_brand(brand=world.a.brand)
    middleware.after_skip_message(None, _message(None))
    assert connection.schema_name == "public"


@pytest.mark.django_db
def test_a_brand_that_cannot_be_looked_up_stops_the_message_instead_of_running_it_in_public(
    world,
) -> None:
    """dramatiq logs and swallows ordinary exceptions from this hook and runs the actor anyway:
    in the public schema, where a brand's tables do not exist. The hook must raise an error the
    worker treats as the message's own failure, which the retry policies then retry."""
    from content.tasks import run_generation_job

    def database_gone(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    middleware = BrandContextMiddleware()
    broker = dramatiq.get_broker()
    with connection.execute_wrapper(database_gone):
        with pytest.raises(BrandContextUnavailable) as raised:
            middleware.before_process_message(broker, _message(world.a.brand.schema_name))
        # What the worker does with it: re-raises it (as it does SkipMessage), not logs it.
        message = _message(world.a.brand.schema_name)
        with pytest.raises(BrandContextUnavailable):
            broker.emit_before("process_message", dramatiq.MessageProxy(message))
    assert connection.schema_name == "public"
    assert run_generation_job.options["retry_when"](0, raised.value)


# --- Real broker and worker ---------------------------------------------------------------


@pytest.fixture
def committed(django_db_blocker) -> Iterator[list[int]]:
    """Work outside the test transaction so a worker (another connection) sees our rows."""
    made: list[int] = []
    with django_db_blocker.unblock():
        yield made
        WorkerPing.objects.filter(pk__in=made).delete()


def _ping_in(schema: str) -> int:
    with schema_context(schema):
        return services.request_worker_ping().pk


def _wait_for(ping_ids: list[int], timeout: float) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = dict(
            WorkerPing.objects.filter(pk__in=ping_ids, completed_at__isnull=False).values_list(
                "pk", "ran_in_schema"
            )
        )
        if len(done) == len(ping_ids):
            return done
        time.sleep(0.1)
    raise AssertionError(f"worker did not answer all pings in {timeout}s: {done}")


@pytest.mark.integration
def test_in_process_worker_runs_each_message_in_its_own_brand(world, committed) -> None:
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        # One worker thread takes all three in turn: brand A, then brand B, then no brand.
        a = _ping_in(world.a.brand.schema_name)
        b = _ping_in(world.b.brand.schema_name)
        public = _ping_in("public")
        committed.extend([a, b, public])
        ran_in = _wait_for([a, b, public], timeout=20)
    finally:
        worker.stop()
    assert ran_in == {
        a: world.a.brand.schema_name,
        b: world.b.brand.schema_name,
        public: "public",
    }


def _worker_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    host = str(db.get("HOST") or "")
    if host.startswith("/"):
        url = f"postgresql://{quote(db['USER'] or '')}@/{db['NAME']}?host={quote(host)}"
    else:
        auth = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        url = f"postgresql://{auth}@{host or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    env = dict(os.environ)
    # The worker is a separate deployment-like process pointed straight at the test database.
    env.update({"DATABASE_URL": url, "BRANDROOM_ENV": "development", "DEBUG": "false"})
    return env


@pytest.mark.integration
def test_rundramatiq_worker_process_answers_in_the_right_brand(world, committed) -> None:
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2"],
        cwd=ROOT,
        env=_worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        a = _ping_in(world.a.brand.schema_name)
        b = _ping_in(world.b.brand.schema_name)
        committed.extend([a, b])
        ran_in = _wait_for([a, b], timeout=60)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert ran_in == {a: world.a.brand.schema_name, b: world.b.brand.schema_name}
