"""Pure clock maths for approval steps: when a step is due, and how many reminders are owed.

No database and no brand here: every function takes the step's times and counts and returns
a time or a count, so the sweep, the chain and the crisis code agree on one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol


class StepClock(Protocol):
    """The times and counts of a step that its due times depend on (read only here)."""

    @property
    def opened_at(self) -> datetime | None: ...

    @property
    def deadline_at(self) -> datetime | None: ...

    @property
    def reminder_minutes(self) -> Sequence[int]: ...

    @property
    def reminders_sent(self) -> int: ...


def deadline_after(*, moment: datetime, minutes: int) -> datetime:
    """The deadline of a step that opens (or is escalated) at ``moment``."""
    return moment + timedelta(minutes=minutes)


def next_action_at(*, step: StepClock) -> datetime:
    """The earlier of the step's next unsent reminder and its deadline."""
    assert step.opened_at is not None and step.deadline_at is not None
    opened = step.opened_at
    pending = [opened + timedelta(minutes=m) for m in step.reminder_minutes[step.reminders_sent :]]
    return min([*pending, step.deadline_at])


def reminders_due(*, step: StepClock, now: datetime) -> int:
    """How many of the step's reminders should have gone out by ``now``."""
    assert step.opened_at is not None
    opened = step.opened_at
    return sum(1 for m in step.reminder_minutes if opened + timedelta(minutes=m) <= now)
