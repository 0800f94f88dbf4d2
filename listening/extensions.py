"""What apps above listening lend it, registered from their ``AppConfig.ready()``.

Planning sits above listening (it may read listening; listening never imports planning), yet a
``plan_item`` trigger puts an item on the plan and a ``calendar_event`` trigger watches the
plan's calendar. Planning registers the writer, the pillar check and the calendar here. Results
is listening's independent sibling (neither imports the other), so planning, which sits above
both, also lends listening the reading of a KPI for ``kpi_off_track`` triggers. Without a
source registered, the action or condition is refused when a trigger is defined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

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


@dataclass(frozen=True)
class CalendarEvent:
    """A campaign or calendar event on the plan, over brand-local days (``ends_on`` included)."""

    id: int
    name: str
    kind: str
    starts_on: date
    ends_on: date


# (first day, last day) -> the events that overlap those brand-local days, earliest first.
CalendarReader = Callable[[date, date], list[CalendarEvent]]
# An event id -> whether the brand's plan has it.
EventChecker = Callable[[int], bool]

_calendars: list[tuple[CalendarReader, EventChecker]] = []


def register_calendar(reader: CalendarReader, event_exists: EventChecker) -> None:
    """Let the app that owns the plan's calendar say which events fall in a range of days."""
    _calendars[:] = [(reader, event_exists)]


def calendar_available() -> bool:
    return bool(_calendars)


def calendar_event_exists(event_id: int) -> bool:
    """Whether the brand's plan has the event (False when no app registered a calendar)."""
    return bool(_calendars) and _calendars[0][1](event_id)


def calendar_events(*, first: date, last: date) -> list[CalendarEvent]:
    """The events overlapping ``first`` to ``last`` (none without a calendar)."""
    return _calendars[0][0](first, last) if _calendars else []


@dataclass(frozen=True)
class KpiReading:
    """A KPI's current period as results judges it: ``value`` is where the period is heading
    (the projection of a total, else the actual so far; None without data)."""

    id: int
    name: str
    metric: str
    period: str
    period_start: date
    period_end: date  # the first day after the period
    value: Decimal | None
    target: Decimal
    direction: str  # at_least or at_most


# (KPI id, moment) -> the KPI's period running at that moment, or None when there is no KPI.
KpiReader = Callable[[int, datetime], KpiReading | None]

_kpi_readers: list[KpiReader] = []


def register_kpi_reader(reader: KpiReader) -> None:
    """Let the app that composes results and listening say how a KPI stands."""
    _kpi_readers[:] = [reader]


def kpis_available() -> bool:
    return bool(_kpi_readers)


def read_kpi(*, kpi_id: int, now: datetime) -> KpiReading | None:
    """The KPI's period running at ``now`` (None when the brand has no such KPI)."""
    return _kpi_readers[0](kpi_id, now) if _kpi_readers else None
