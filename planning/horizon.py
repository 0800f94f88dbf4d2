"""The plan's calendar in brand-local days (pure date arithmetic, no database): the months it
covers, ISO weeks (from Monday), and which days are already past and closed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# The plan covers the current month and this many months after it.
MONTHS_AHEAD = 12


def local_today(*, now: datetime, tz_name: str) -> date:
    return now.astimezone(ZoneInfo(tz_name)).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after the one starting on ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def covered(today: date) -> tuple[date, date]:
    """[first day, first day after) of the months the plan covers on ``today``."""
    first = month_start(today)
    return first, add_months(first, MONTHS_AHEAD + 1)


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from the one holding ``start`` up to ``end`` (excluded)."""
    months, month = [], month_start(start)
    while month < end:
        months.append(month)
        month = add_months(month, 1)
    return months


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_day(*, planned_on: date, whole_week: bool) -> date:
    """The last day an item can go out: its day, or the Sunday of its week."""
    return planned_on + timedelta(days=6) if whole_week else planned_on


def weeks_in_month(month: date) -> float:
    """How many weeks long the month is (a month's share of a weekly cadence)."""
    return (add_months(month, 1) - month).days / 7
