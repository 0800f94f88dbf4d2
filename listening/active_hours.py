"""An audience's active hours: learned from when its signals happen (a histogram by hour of the
brand's day), written as the local time ranges audience profiles use ("18:00-21:00"), and the
next time one of those ranges starts. Pure functions; the queries are in selectors."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Fewer signals than this say nothing about when an audience is active.
MIN_EVIDENCE = 20
# The busiest hours holding this share of the audience's activity are its active hours...
SHARE = 0.5
# ...but never more than this many hours: "active all day" is no advice.
MAX_HOURS = 8


def suggest_ranges(histogram: list[int]) -> list[str]:
    """The busiest hours of ``histogram`` (24 counts, local hour 0-23) holding half of the
    activity, merged into ranges ("07:00-09:00", one may run past midnight). Empty when the
    evidence is too thin."""
    total = sum(histogram)
    if total < MIN_EVIDENCE:
        return []
    busiest = sorted(range(24), key=lambda hour: (-histogram[hour], hour))
    chosen: set[int] = set()
    covered = 0
    for hour in busiest:
        if covered >= SHARE * total or len(chosen) >= MAX_HOURS or histogram[hour] == 0:
            break
        chosen.add(hour)
        covered += histogram[hour]
    return _as_ranges(chosen)


def _as_ranges(hours: set[int]) -> list[str]:
    if not hours:
        return []
    if len(hours) == 24:
        return ["00:00-00:00"]
    # Start each run at an hour whose previous hour is not chosen, so runs across midnight
    # stay whole.
    ranges = []
    for start in sorted(h for h in hours if (h - 1) % 24 not in hours):
        end = start
        while (end + 1) % 24 in hours:
            end = (end + 1) % 24
        ranges.append(f"{start:02d}:00-{(end + 1) % 24:02d}:00")
    return ranges


def parse_range(text: str) -> tuple[time, time]:
    """ "07:00-09:00" as (start, end) local times."""
    start, end = text.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def next_active_start(
    ranges: list[str], *, tz: ZoneInfo, now: datetime, lead: timedelta
) -> datetime | None:
    """When the next of ``ranges`` starts, at least ``lead`` after ``now`` (time for drafts and
    sign-off), in the brand's time zone; None when there are no ranges."""
    if not ranges:
        return None
    earliest = now + lead
    today = earliest.astimezone(tz).date()
    starts = [
        datetime.combine(today + timedelta(days=offset), parse_range(text)[0], tzinfo=tz)
        for offset in range(0, 3)
        for text in ranges
    ]
    upcoming = [start for start in starts if start >= earliest]
    return min(upcoming) if upcoming else None
