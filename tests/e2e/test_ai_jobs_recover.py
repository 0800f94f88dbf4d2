"""Issue 13, "jobs never stuck": a real worker process meets a database that refuses
connections for a while. Messages it took during the outage are retried, not dropped, and a job
whose message is gone altogether is sent again by the stuck-jobs sweep; every job finishes.

Needs a broker that is not the database (Redis or RabbitMQ in BROKER_URL): with the embedded
PostgreSQL-backed queue an outage stops the queue too, and nothing is taken to be dropped.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dramatiq
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from content import services as content_services
from content.models import GenerationJob
from content.services import jobs
from content.tasks import requeue_stuck_generation_jobs, run_generation_job
from tenants.models import Brand
from tests.conftest import committed_brands
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 8


@pytest.fixture
def brand(world, django_db_blocker) -> Iterator[Brand]:  # type: ignore[no-untyped-def]
    if not settings.BROKER_URL:
        pytest.skip("needs a broker apart from the database (BROKER_URL)")
    with committed_brands(world, django_db_blocker, ("outage-oats", "Outage Oats")) as (made,):
        yield made


def _admin() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def database_refusing_connections() -> Iterator[None]:
    """The test database refuses new connections and drops the ones it has, until the block
    ends (what a failover or a restart looks like to the worker)."""
    name = connection.settings_dict["NAME"]
    connection.close()
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    connection.close()
    # This test process's own pool may still be backing off from connections refused during
    # the outage (psycopg_pool waits 1, 2, 4, 8 s between attempts); the test reads statuses
    # with a fresh pool so that only the worker's recovery is under test.
    if hasattr(connection, "close_pool"):
        connection.close_pool()


def _statuses(schema: str, ids: list[int]) -> dict[int, str]:
    with schema_context(schema):
        return dict(GenerationJob.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_jobs_recover_after_a_database_outage_with_a_real_worker(
    world, brand, django_db_blocker, tmp_path
) -> None:
    worker_log = tmp_path / "worker.log"
    with django_db_blocker.unblock(), worker_log.open("w") as log:
        with schema_context(brand.schema_name):
            channel = content_services.create_channel(network="linkedin", handle="outageoats")
            brief = content_services.create_brief(
                title="Oats", key_message="Oat flat whites are here.", channels=[channel]
            )
            # Messages sent now wait in the broker: no worker runs yet.
            taken_in_outage = [jobs.request_post_drafts(brief=brief).pk for _ in range(6)]
            # These lose their messages altogether (a broker restart without persistence).
            lost = [jobs.request_post_drafts(brief=brief).pk for _ in range(3)]
        broker = dramatiq.get_broker()
        queue = run_generation_job.queue_name
        env = _worker_env()
        env.update(
            {
                "AI_RETRY_MIN_BACKOFF_MS": "500",
                "AI_RETRY_MAX_BACKOFF_MS": "2000",
                "AI_JOB_REQUEUE_AFTER_SECONDS": "3",
            }
        )
        worker = None
        try:
            with database_refusing_connections():
                # Drop the last three messages: take everything, put back the first six.
                broker.flush(queue)
                for job_id in taken_in_outage:
                    run_generation_job.send_with_options(
                        args=(job_id,), brand_schema=brand.schema_name
                    )
                worker = subprocess.Popen(
                    [sys.executable, "manage.py", "rundramatiq", "--processes", "1",
                     "--threads", "2"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
                # The worker takes the messages while the database refuses it.
                time.sleep(OUTAGE_SECONDS)
            deadline = time.monotonic() + 60
            statuses = _statuses(brand.schema_name, taken_in_outage + lost)
            swept = False
            while time.monotonic() < deadline:
                statuses = _statuses(brand.schema_name, taken_in_outage + lost)
                if all(statuses[j] == "succeeded" for j in taken_in_outage) and not swept:
                    # What the periodic sweep does every minute, sent now to the real worker.
                    time.sleep(3)
                    requeue_stuck_generation_jobs.send()
                    swept = True
                if all(s == "succeeded" for s in statuses.values()):
                    break
                time.sleep(0.5)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
    # The worker's own log says why a job did not finish (kept out of the output otherwise).
    assert statuses == dict.fromkeys(taken_in_outage + lost, "succeeded"), worker_log.read_text()[
        -6000:
    ]
