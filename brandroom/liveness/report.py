"""One report of the background machinery for operators: workers, the scheduler, queue lag."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from brandroom.liveness.beats import Liveness, liveness
from brandroom.liveness.queues import QueueLag, queue_lags


def max_lag_seconds() -> float:
    return float(getattr(settings, "QUEUE_MAX_LAG_SECONDS", 300))


@dataclass
class Report:
    worker: Liveness
    scheduler: Liveness
    queues: list[QueueLag]
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "worker": self.worker.as_dict(),
            "scheduler": self.scheduler.as_dict(),
            "queues": {lag.name: lag.as_dict() for lag in self.queues},
            "problems": self.problems,
        }


def _dead(what: Liveness) -> str | None:
    if what.alive:
        return None
    if what.last_beat_seconds is None:
        # Never started, or stopped cleanly (a process removes its heartbeat when it stops).
        return f"no {what.kind} running"
    return f"no {what.kind} alive (last heartbeat {what.last_beat_seconds:.0f} s ago)"


def report(*, max_lag: float | None = None) -> Report:
    limit = max_lag_seconds() if max_lag is None else max_lag
    result = Report(worker=liveness("worker"), scheduler=liveness("scheduler"), queues=[])
    for what in (result.worker, result.scheduler):
        if problem := _dead(what):
            result.problems.append(problem)
    result.queues = queue_lags()
    for lag in result.queues:
        if lag.oldest_seconds is not None and lag.oldest_seconds > limit:
            result.problems.append(
                f"queue {lag.name}: {lag.waiting} waiting, oldest {lag.oldest_seconds:.0f} s"
                f" (more than {limit:.0f} s)"
            )
    return result
