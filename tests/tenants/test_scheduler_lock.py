"""Issue 14.14: two schedulers must not queue every periodic job twice on the default
PostgreSQL broker. Real ``manage.py crontab`` processes: the second one stands by while the
first holds the lock, and takes over within seconds once the first is gone."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.integration


def _scheduler(log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", "manage.py", "crontab", "--no-heartbeat"],
        cwd=ROOT,
        env=_worker_env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(log: Path, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text():
            return True
        time.sleep(0.2)
    return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_only_one_scheduler_fires_and_a_standby_takes_over(django_db_setup) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first_log, second_log = Path(folder, "first.log"), Path(folder, "second.log")
        first = _scheduler(first_log)
        second = None
        try:
            assert _wait_for(first_log, "Starting scheduler", 60), first_log.read_text()
            second = _scheduler(second_log)
            assert _wait_for(second_log, "standing by", 60), second_log.read_text()
            time.sleep(3)  # still waiting: it never starts firing while the first runs
            assert "Starting scheduler" not in second_log.read_text()

            first.kill()  # dies without cleaning up; the database ends its session and lock
            first.wait()
            assert _wait_for(second_log, "Starting scheduler", 30), second_log.read_text()
        finally:
            _stop(first)
            if second is not None:
                _stop(second)
