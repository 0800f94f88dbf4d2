"""What apps above listening lend it, registered from their ``AppConfig.ready()``.

Planning sits above listening (it may read listening; listening never imports planning), yet a
``plan_item`` trigger puts an item on the plan. Planning registers the writer and the pillar
check here; without planning installed the action is refused when a trigger is defined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from tenants.models import Brand


@dataclass(frozen=True)
class PlanItemRequest:
    """The item a firing asks for: on ``planned_on`` (brand-local), unscheduled in the day."""

    brand: Brand
    title: str
    planned_on: date
    channel_id: int
    pillar_id: int
    notes: str
    created_by_id: int | None
    now: datetime


class PlanItemRefused(Exception):
    """The writer said no (the day is outside the plan, ...); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# The request -> the new item's id, or PlanItemRefused.
PlanItemWriter = Callable[[PlanItemRequest], int]
# A pillar id -> whether the brand has that pillar.
PillarChecker = Callable[[int], bool]

_writers: list[PlanItemWriter] = []
_pillar_checkers: list[PillarChecker] = []


def register_plan_item_writer(writer: PlanItemWriter, pillar_exists: PillarChecker) -> None:
    """Let the app that owns the plan add items to it and say which pillars exist."""
    _writers[:] = [writer]
    _pillar_checkers[:] = [pillar_exists]


def plan_items_available() -> bool:
    return bool(_writers)


def pillar_exists(pillar_id: int) -> bool:
    """Whether the brand has the pillar (False when no app registered the plan)."""
    return bool(_pillar_checkers) and _pillar_checkers[0](pillar_id)


def write_plan_item(request: PlanItemRequest) -> int:
    """Add the item and return its id; PlanItemRefused when the plan says no."""
    if not _writers:
        raise PlanItemRefused("No plan is installed to add the item to.")
    return _writers[0](request)
