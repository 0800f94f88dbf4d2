"""Calendar periods of KPIs in the brand's time zone (pure date arithmetic, no database): ISO
weeks (from Monday), months and quarters, each from its first local midnight to the next."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def period_start(day: date, kind: str) -> date:
    """The first day of the week, month or quarter holding ``day``."""
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def next_period(start: date, kind: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if kind == "week":
        return start + timedelta(days=7)
    months = 1 if kind == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def previous_period(start: date, kind: str) -> date:
    """The first day of the period before the one starting on ``start``."""
    return period_start(start - timedelta(days=1), kind)


def periods_back(today: date, kind: str, count: int) -> list[date]:
    """The starts of the ``count`` periods up to and including the current one, oldest first."""
    starts = [period_start(today, kind)]
    while len(starts) < count:
        starts.append(previous_period(starts[-1], kind))
    return list(reversed(starts))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


# Enough periods to show the last three months (and the current period) by default.
DEFAULT_HISTORY = {"week": 14, "month": 4, "quarter": 2}
