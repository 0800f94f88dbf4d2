"""Operators see whether workers and the scheduler are alive and how far behind each queue is,
in the health answer and from check_worker: with real worker and scheduler processes, then with
the worker stopped while work waits."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from brandroom.liveness.beats import liveness
from brandroom.liveness.models import Heartbeat
from tenants import services
from tenants.models import WorkerPing
from tests.tenants.test_worker_context import ROOT, _worker_env


def _health() -> dict:
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 200
    return response.json()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}: {_health()}")


def _start(*command: str) -> subprocess.Popen:
    env = {**_worker_env(), "HEARTBEAT_SECONDS": "1"}
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def committed(django_db_blocker, settings) -> Iterator[list[int]]:
    """Outside the test transaction (the processes are other connections); beats every second."""
    settings.HEARTBEAT_SECONDS = 1
    pings: list[int] = []
    with django_db_blocker.unblock():
        Heartbeat.objects.all().delete()
        yield pings
        WorkerPing.objects.filter(pk__in=pings).delete()
        Heartbeat.objects.all().delete()


@pytest.mark.integration
def test_health_and_check_worker_report_a_stopped_worker_and_its_queue_falling_behind(
    world, committed
) -> None:
    worker = _start("rundramatiq", "--processes", "1", "--threads", "1")
    scheduler = _start("crontab")
    try:
        _wait(
            lambda: _health()["worker"]["alive"] == 1 and _health()["scheduler"]["alive"] == 1,
            90,
            "the worker and the scheduler to report",
        )
        out = io.StringIO()
        call_command("check_worker", brand=world.a.brand.slug, max_lag=60, stdout=out)
        assert "worker: 1 alive" in out.getvalue()
        assert "scheduler: 1 alive" in out.getvalue()
        assert f"from schema {world.a.brand.schema_name}" in out.getvalue()

        # Both stop; work arrives that nobody takes.
        _stop(worker)
        _stop(scheduler)
        _wait(
            lambda: _health()["worker"]["alive"] == 0 and _health()["scheduler"]["alive"] == 0,
            10,
            "the stopped processes to be seen as gone",
        )
        committed.append(services.request_worker_ping().pk)
        time.sleep(2.5)
        body = _health()
        assert body["status"] == "ok"  # the web process itself is still ready
        default = body["queues"]["default"]
        assert default["waiting"] >= 1
        assert default["oldest_seconds"] >= 2
        # Stopped cleanly, so their heartbeats are gone at once (a killed one goes stale).
        assert "no worker running" in body["problems"]
        assert "no scheduler running" in body["problems"]

        with pytest.raises(CommandError) as failed:
            call_command("check_worker", max_lag=1, stdout=io.StringIO())
        assert "no worker running" in str(failed.value)
        assert "queue default: " in str(failed.value)
    finally:
        _stop(worker)
        _stop(scheduler)


@pytest.mark.django_db
def test_a_killed_process_counts_as_dead_once_its_heartbeat_is_stale(settings) -> None:
    settings.HEARTBEAT_SECONDS = 10
    now = timezone.now()
    Heartbeat.objects.create(
        kind="worker", process="gone:1", started_at=now, beat_at=now - timedelta(seconds=31)
    )
    Heartbeat.objects.create(
        kind="worker", process="here:2", started_at=now, beat_at=now - timedelta(seconds=5)
    )
    assert liveness("worker", now=now).alive == 1
    Heartbeat.objects.filter(process="here:2").delete()
    state = liveness("worker", now=now)
    assert state.alive == 0 and round(state.last_beat_seconds) == 31
