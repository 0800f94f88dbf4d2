"""Heartbeats: a process of a kind writes one every ``HEARTBEAT_SECONDS``; it counts as alive
while its last one is younger than three intervals. A process that stops cleanly removes its
row at once; one that is killed goes stale."""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from brandroom.liveness.models import Heartbeat

logger = logging.getLogger(__name__)


def interval() -> float:
    return float(getattr(settings, "HEARTBEAT_SECONDS", 10))


def stale_after() -> timedelta:
    return timedelta(seconds=3 * interval())


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(kind: str) -> None:
    """Record that this process (of ``kind``) is alive now."""
    now = timezone.now()
    connection.set_schema_to_public()
    updated = Heartbeat.objects.filter(kind=kind, process=process_name()).update(beat_at=now)
    if not updated:
        Heartbeat.objects.update_or_create(
            kind=kind,
            process=process_name(),
            defaults={"beat_at": now},
            create_defaults={"beat_at": now, "started_at": now},
        )


def forget(kind: str) -> None:
    """This process stops: it is no longer counted."""
    try:
        connection.set_schema_to_public()
        Heartbeat.objects.filter(kind=kind, process=process_name()).delete()
    except Exception:  # at shutdown the database may be gone already
        logger.warning("could not remove the %s heartbeat", kind, exc_info=True)


class Beater:
    """A daemon thread beating for this process until ``stop()``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{kind}-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                close_old_connections()
                beat(self.kind)
            except Exception:  # a missed beat shows as staleness, it must not kill the thread
                logger.warning("%s heartbeat failed", self.kind, exc_info=True)
            self._stop.wait(interval())
        forget(self.kind)
        connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


_scheduler_beats_registered = False


def scheduler_beat() -> None:
    """Run by the scheduler process's own timer (see brandroom/liveness/tasks.py)."""
    global _scheduler_beats_registered
    if not _scheduler_beats_registered:
        _scheduler_beats_registered = True
        atexit.register(forget, Heartbeat.Kind.SCHEDULER)
    try:
        close_old_connections()
        beat(Heartbeat.Kind.SCHEDULER)
    finally:
        connection.close()


@dataclass(frozen=True)
class Liveness:
    kind: str
    alive: int
    last_beat_seconds: float | None  # since the freshest beat of any process of this kind

    def as_dict(self) -> dict[str, object]:
        return {
            "alive": self.alive,
            "last_beat_seconds": (
                None if self.last_beat_seconds is None else round(self.last_beat_seconds, 1)
            ),
        }


def liveness(kind: str, *, now: datetime | None = None) -> Liveness:
    now = now or timezone.now()
    beats = list(Heartbeat.objects.filter(kind=kind).values_list("beat_at", flat=True))
    alive = sum(1 for at in beats if now - at < stale_after())
    last = max(beats, default=None)
    return Liveness(
        kind=kind,
        alive=alive,
        last_beat_seconds=None if last is None else max(0.0, (now - last).total_seconds()),
    )
