"""An item's production steps (brief, draft, sign-off, publish) with their due days, counted
back from its publish day by the plan's lead times (pure, no database): what is done follows
the item's status, what is late is not done and due before today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from planning.horizon import last_day
from planning.models import ITEM_DELIVERED, ItemStatus

STEPS = ("brief", "draft", "signoff", "publish")

_SIGNED_OFF = frozenset({ItemStatus.APPROVED, ItemStatus.SCHEDULED, *ITEM_DELIVERED})
_DRAFTED = frozenset({ItemStatus.DRAFTED, ItemStatus.IN_REVIEW, *_SIGNED_OFF})
# The statuses at which each step counts as done (ItemStatus, in the order of ITEM_TRANSITIONS).
DONE_AT: dict[str, frozenset[str]] = {
    "brief": frozenset({ItemStatus.BRIEFED, *_DRAFTED}),
    "draft": _DRAFTED,
    "signoff": _SIGNED_OFF,
    "publish": frozenset(ITEM_DELIVERED),
}


@dataclass(frozen=True)
class LeadDays:
    brief: int
    draft: int
    signoff: int


@dataclass(frozen=True)
class Step:
    step: str
    due_on: date
    done: bool
    late: bool


def production_steps(
    *, planned_on: date, whole_week: bool, status: str, lead: LeadDays, today: date
) -> list[Step]:
    """The item's steps, due ``lead`` days before its day (a week item's Monday). A week item's
    publish step is late only once its week is over; a dropped item is never late."""
    due = {
        "brief": planned_on - timedelta(days=lead.brief),
        "draft": planned_on - timedelta(days=lead.draft),
        "signoff": planned_on - timedelta(days=lead.signoff),
        "publish": planned_on,
    }
    steps = []
    for name in STEPS:
        done = status in DONE_AT[name]
        deadline = (
            last_day(planned_on=planned_on, whole_week=whole_week)
            if name == "publish"
            else due[name]
        )
        late = not done and status != ItemStatus.DROPPED and deadline < today
        steps.append(Step(step=name, due_on=due[name], done=done, late=late))
    return steps
