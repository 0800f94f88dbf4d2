"""Worker processes beat while they run (dramatiq middleware, one beater per process)."""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware


class WorkerHeartbeat(Middleware):
    def __init__(self) -> None:
        self._beater: Any = None

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        # Imported here: the broker (and its middleware) is built before Django's apps are.
        from brandroom.liveness.beats import Beater

        self._beater = Beater("worker")
        self._beater.start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        if self._beater is not None:
            self._beater.stop()
            self._beater = None
