"""The scheduler, with one rule added: only one may fire at a time, on any broker.

dramatiq-crontab only locks through Redis (and only when told a Redis URL), so two schedulers
on the default PostgreSQL broker queued every periodic job twice. This command takes a
PostgreSQL session-level advisory lock first: a second scheduler waits for it (a hot standby)
and takes over within seconds when the first one stops or dies, since the database releases a
session lock when its connection ends. The lock's connection is checked every few seconds; a
scheduler that lost it stops firing at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any

import psycopg
from apscheduler.triggers.interval import IntervalTrigger
from django.db import connections
from dramatiq_crontab.management.commands import crontab

# pg_advisory_lock key: any constant of our own ("brdroom" in ASCII, as a bigint).
LOCK_KEY = 0x62726472_6F6F6D
RETRY_SECONDS = 2.0
CHECK_SECONDS = 5


class SchedulerLock:
    """A session-level advisory lock on a plain connection of its own: never one from the
    pool, whose session would outlive a release and keep the lock."""

    def __init__(self) -> None:
        params = connections["default"].get_connection_params()
        for key in ("cursor_factory", "context", "pool"):
            params.pop(key, None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.guard = threading.Lock()  # checked from the scheduler's executor threads too

    def try_acquire(self) -> bool:
        with self.guard:
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()
        return bool(row and row[0])

    def still_held(self) -> bool:
        """A session lock lasts as long as its connection: held while the connection answers."""
        try:
            with self.guard:
                self.conn.execute("SELECT 1")
            return True
        except Exception:
            return False

    def release(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()  # ends the session, which releases the lock


class Command(crontab.Command):
    help = "Run the periodic jobs' scheduler; only one runs at a time (PostgreSQL lock)."

    def handle(self, *args: Any, **options: Any) -> None:
        lock = SchedulerLock()
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            waiting_said = False
            while not stopping:
                try:
                    if lock.try_acquire():
                        break
                except Exception as exc:  # the database is away: keep waiting
                    self.stderr.write(f"Scheduler lock: {exc}")
                    lock.release()
                    lock = SchedulerLock()
                if not waiting_said:
                    self.stdout.write("Another scheduler is running; standing by.")
                    self.stdout.flush()
                    waiting_said = True
                time.sleep(RETRY_SECONDS)
            if stopping:
                return
            self.stdout.write("Scheduler lock acquired.")
            self.stdout.flush()
            self._lock = lock
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        try:
            super().handle(*args, **options)
        finally:
            lock.release()

    def launch_scheduler(self, lock: Any, scheduler: Any) -> None:
        ours = self._lock

        def check() -> None:
            if not ours.still_held():
                self.stderr.write("Scheduler lock lost; stopping so another scheduler takes over.")
                scheduler.shutdown(wait=False)

        scheduler.add_job(
            check,
            IntervalTrigger(seconds=CHECK_SECONDS),
            name="brandroom.scheduler_lock.check",
        )
        super().launch_scheduler(lock, scheduler)
