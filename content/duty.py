"""Who is on inbox duty now.

The duty rota lives in approvals (one rota for sign-offs and for the inbox), which sits above
content; approvals registers a reader here when it starts (``register_inbox_duty``), and the
inbox asks it who incoming items go to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

DutyReader = Callable[[datetime], list[int]]
_readers: list[DutyReader] = []


def register_inbox_duty(reader: DutyReader) -> None:
    """Let the app that keeps the rota say who is on inbox duty at a moment (ids, rota order)."""
    _readers[:] = [reader]


def on_inbox_duty(*, now: datetime) -> list[int]:
    """Ids of the people on inbox duty at ``now`` in the current brand (none without a rota)."""
    return _readers[0](now) if _readers else []
