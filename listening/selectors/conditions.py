"""What a trigger's condition sees now and when it would have held: the window's count against
its 28-day baseline (a z-score), the days since the last post on a channel, the plan's calendar
events coming up, and how far a KPI is off its target. One dry run per kind of condition, each
honouring the cool-down, writing nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMinute

from content import selectors as content
from listening import extensions
from listening.models import Trigger, TriggerCondition, TriggerOccasion
from listening.selectors.triggers import (
    DRY_RUN_DAYS,
    WouldFire,
    matched_in_window,
    matching_signals,
    would_have_fired,
)
from listening.severity import z_score
from tenants.selectors import current_brand

BASELINE_DAYS = 28


@dataclass(frozen=True)
class Judgement:
    """Whether the condition holds at a moment, the number it saw (``matched``) and the
    evidence a firing records as its inputs."""

    holds: bool
    matched: int
    evidence: dict[str, Any]
    # What the firing is about when it may happen once only (``event:7``, ``kpi:3:2026-12-01``).
    occasion: str | None = None


def _buckets(window_minutes: int) -> int:
    return max(BASELINE_DAYS * 24 * 60 // window_minutes, 1)


def baseline_judgement(*, trigger: Trigger, now: datetime) -> Judgement:
    """The window's matching signals against the same-length windows of the 28 days before it
    (quiet windows count as zeros): two queries, the baseline grouped in SQL."""
    window = timedelta(minutes=trigger.window_minutes)
    start = now - window
    current = matched_in_window(trigger=trigger, now=now)
    buckets = _buckets(trigger.window_minutes)
    seconds = trigger.window_minutes * 60
    counts = list(
        matching_signals(trigger=trigger)
        .filter(observed_at__gt=start - buckets * window, observed_at__lte=start)
        .annotate(
            bucket=RawSQL("floor(extract(epoch from (%s - observed_at)) / %s)", (start, seconds))
        )
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    mean = sum(counts) / buckets
    std = math.sqrt(max(sum(n * n for n in counts) / buckets - mean * mean, 0.0))
    z = z_score(current=current, mean=mean, std=std)
    assert trigger.min_z_score is not None
    return Judgement(
        holds=current >= trigger.threshold and z >= trigger.min_z_score,
        matched=current,
        evidence={
            "baseline_days": BASELINE_DAYS,
            "baseline_mean": round(mean, 3),
            "baseline_std": round(std, 3),
            "z_score": round(z, 2),
            "min_z_score": trigger.min_z_score,
        },
    )


def last_post_at(*, channel_id: int, before: datetime) -> datetime | None:
    """When the brand last published a post on the channel (at or before ``before``)."""
    found: datetime | None = (
        content.drafts()
        .filter(channel_id=channel_id, published_at__isnull=False, published_at__lte=before)
        .aggregate(last=Max("published_at"))["last"]
    )
    return found


def quiet_since(*, trigger: Trigger, now: datetime) -> datetime:
    """Since when the trigger's channel has been quiet: its last post, or when it was added."""
    assert trigger.channel is not None
    last = last_post_at(channel_id=trigger.channel.pk, before=now)
    return last if last is not None else trigger.channel.created_at


def absence_judgement(*, trigger: Trigger, now: datetime) -> Judgement:
    """Whether the channel has gone ``absence_days`` days without a published post."""
    assert trigger.absence_days is not None
    since = quiet_since(trigger=trigger, now=now)
    quiet_days = (now - since).total_seconds() / 86400
    return Judgement(
        holds=quiet_days >= trigger.absence_days,
        matched=int(quiet_days),
        evidence={
            "channel": trigger.channel.pk if trigger.channel else None,
            "absence_days": trigger.absence_days,
            "quiet_since": since.isoformat(),
            "quiet_days": round(quiet_days, 2),
        },
    )


# A KPI's actuals move with results arriving, which listening does not hear of (results is a
# sibling): a KPI trigger not yet fired for the period is judged again this often.
KPI_RECHECK = timedelta(hours=1)
# How far ahead the next calendar check looks for events (the plan covers twelve months).
CALENDAR_HORIZON_DAYS = 400


def _tz() -> ZoneInfo:
    return ZoneInfo(current_brand().timezone)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _event_occasion(event_id: int) -> str:
    return f"event:{event_id}"


def _kpi_occasion(reading: extensions.KpiReading) -> str:
    return f"kpi:{reading.id}:{reading.period_start.isoformat()}"


def _taken(trigger: Trigger, keys: list[str]) -> set[str]:
    """The occasions among ``keys`` the (saved) trigger already fired for."""
    if trigger.pk is None or not keys:
        return set()
    return set(
        TriggerOccasion.objects.filter(trigger_id=trigger.pk, key__in=keys).values_list(
            "key", flat=True
        )
    )


def _watched(trigger: Trigger, first: date, last: date) -> list[extensions.CalendarEvent]:
    events = extensions.calendar_events(first=first, last=last)
    if trigger.calendar_event_id is not None:
        events = [e for e in events if e.id == trigger.calendar_event_id]
    return events


def calendar_judgement(*, trigger: Trigger, now: datetime) -> Judgement:
    """Whether an event the trigger watches starts within ``lead_days`` brand-local days or is
    running, and it has not fired for that event yet (the earliest such event first)."""
    assert trigger.lead_days is not None
    today = now.astimezone(_tz()).date()
    events = _watched(trigger, today, today + timedelta(days=trigger.lead_days))
    taken = _taken(trigger, [_event_occasion(e.id) for e in events])
    for event in events:
        if _event_occasion(event.id) in taken:
            continue
        days_to_start = (event.starts_on - today).days
        return Judgement(
            holds=True,
            matched=max(days_to_start, 0),
            evidence={
                "event_id": event.id,
                "event": event.name,
                "event_kind": event.kind,
                "starts_on": event.starts_on.isoformat(),
                "ends_on": event.ends_on.isoformat(),
                "lead_days": trigger.lead_days,
                "days_to_start": days_to_start,
            },
            occasion=_event_occasion(event.id),
        )
    return Judgement(holds=False, matched=0, evidence={"lead_days": trigger.lead_days})


def _off_by(reading: extensions.KpiReading, limit: float) -> tuple[bool, float | None]:
    """Whether the KPI is heading past its target by more than ``limit`` percent of the
    target, and by how much (None without data, or when the target is zero: then any gap
    counts as too far)."""
    if reading.value is None:
        return False, None
    gap = (
        reading.target - reading.value
        if reading.direction == "at_least"
        else reading.value - reading.target
    )
    if gap <= 0:
        return False, 0.0
    if reading.target == 0:
        return True, None
    percent = float(gap / abs(reading.target) * 100)
    return percent > limit, round(percent, 2)


def kpi_judgement(*, trigger: Trigger, now: datetime) -> Judgement:
    """Whether the KPI's current period is heading past its target by more than
    ``kpi_off_by_percent`` percent, and the trigger has not fired for that period yet."""
    assert trigger.kpi_id is not None and trigger.kpi_off_by_percent is not None
    reading = extensions.read_kpi(kpi_id=trigger.kpi_id, now=now)
    if reading is None:
        return Judgement(holds=False, matched=0, evidence={"kpi_id": trigger.kpi_id})
    off, percent = _off_by(reading, trigger.kpi_off_by_percent)
    occasion = _kpi_occasion(reading)
    return Judgement(
        holds=off and occasion not in _taken(trigger, [occasion]),
        matched=int(percent or 0),
        evidence=_kpi_evidence(reading, percent, trigger.kpi_off_by_percent),
        occasion=occasion,
    )


def _kpi_evidence(
    reading: extensions.KpiReading, percent: float | None, limit: float
) -> dict[str, Any]:
    return {
        "kpi_id": reading.id,
        "kpi": reading.name,
        "metric": reading.metric,
        "period": reading.period,
        "period_start": reading.period_start.isoformat(),
        "value": None if reading.value is None else str(reading.value),
        "target": str(reading.target),
        "direction": reading.direction,
        "off_by_percent": percent,
        "kpi_off_by_percent": limit,
    }


def judge(*, trigger: Trigger, now: datetime) -> Judgement:
    """The trigger's condition at ``now``."""
    if trigger.condition == TriggerCondition.BASELINE:
        return baseline_judgement(trigger=trigger, now=now)
    if trigger.condition == TriggerCondition.ABSENCE:
        return absence_judgement(trigger=trigger, now=now)
    if trigger.condition == TriggerCondition.CALENDAR_EVENT:
        return calendar_judgement(trigger=trigger, now=now)
    if trigger.condition == TriggerCondition.KPI_OFF_TRACK:
        return kpi_judgement(trigger=trigger, now=now)
    matched = matched_in_window(trigger=trigger, now=now)
    return Judgement(holds=matched >= trigger.threshold, matched=matched, evidence={})


def next_absence_check(*, trigger: Trigger, now: datetime) -> datetime:
    """The earliest moment an absence trigger could fire after ``now``: when the channel will
    have been quiet long enough and the cool-down is over (a post published meanwhile only
    pushes it later, so judging then is never too late)."""
    assert trigger.absence_days is not None
    due = quiet_since(trigger=trigger, now=now) + timedelta(days=trigger.absence_days)
    if trigger.last_fired_at is not None:
        due = max(due, trigger.last_fired_at + timedelta(minutes=trigger.cooldown_minutes))
    return max(due, now + timedelta(minutes=1))


def _after_cooldown(trigger: Trigger, due: datetime) -> datetime:
    if trigger.last_fired_at is not None:
        due = max(due, trigger.last_fired_at + timedelta(minutes=trigger.cooldown_minutes))
    return due


def next_calendar_check(*, trigger: Trigger, now: datetime) -> datetime | None:
    """When a calendar trigger could next fire: the moment the next event it has not fired for
    comes within its lead time (now, if one already has), not before its cool-down ends. None
    when no such event is on the plan: planning's changes to the calendar wake it again."""
    assert trigger.lead_days is not None
    tz = _tz()
    today = now.astimezone(tz).date()
    events = _watched(trigger, today, today + timedelta(days=CALENDAR_HORIZON_DAYS))
    taken = _taken(trigger, [_event_occasion(e.id) for e in events])
    entries = [
        _midnight(e.starts_on - timedelta(days=trigger.lead_days), tz)
        for e in events
        if _event_occasion(e.id) not in taken
    ]
    if not entries:
        return None
    return max(_after_cooldown(trigger, min(entries)), now + timedelta(minutes=1))


def next_kpi_check(*, trigger: Trigger, now: datetime) -> datetime | None:
    """When a KPI trigger is next judged: the next period once it fired for this one, else in
    an hour (its actuals move as results arrive), not before its cool-down ends. None when the
    KPI is gone."""
    assert trigger.kpi_id is not None
    reading = extensions.read_kpi(kpi_id=trigger.kpi_id, now=now)
    if reading is None:
        return None
    if _taken(trigger, [_kpi_occasion(reading)]):
        due = _midnight(reading.period_end, _tz())
    else:
        due = now + KPI_RECHECK
    return max(_after_cooldown(trigger, due), now + timedelta(minutes=1))


def next_check(*, trigger: Trigger, now: datetime) -> datetime | None:
    """When a time-based trigger is next judged (None: not until something wakes it)."""
    if trigger.condition == TriggerCondition.CALENDAR_EVENT:
        return next_calendar_check(trigger=trigger, now=now)
    if trigger.condition == TriggerCondition.KPI_OFF_TRACK:
        return next_kpi_check(trigger=trigger, now=now)
    if trigger.channel is None:
        return None
    return next_absence_check(trigger=trigger, now=now)


def dry_run(*, trigger: Trigger, now: datetime, days: int = DRY_RUN_DAYS) -> list[WouldFire]:
    """When the trigger (saved or not) would have fired over the last ``days`` days."""
    if trigger.condition == TriggerCondition.BASELINE:
        return _baseline_dry_run(trigger=trigger, now=now, days=days)
    if trigger.condition == TriggerCondition.ABSENCE:
        return _absence_dry_run(trigger=trigger, now=now, days=days)
    if trigger.condition == TriggerCondition.CALENDAR_EVENT:
        return _calendar_dry_run(trigger=trigger, now=now, days=days)
    if trigger.condition == TriggerCondition.KPI_OFF_TRACK:
        return _kpi_dry_run(trigger=trigger, now=now, days=days)
    return would_have_fired(trigger=trigger, now=now, days=days)


def _baseline_dry_run(*, trigger: Trigger, now: datetime, days: int) -> list[WouldFire]:
    """Judged at the end of each minute that had a matching signal, as the evaluation judges
    after a batch. Minute counts come grouped from SQL; each moment's window and baseline are
    O(1) from prefix sums of the window counts along strides of one window."""
    assert trigger.min_z_score is not None
    w = trigger.window_minutes
    buckets = _buckets(w)
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    size = days * 1440 + (buckets + 2) * w
    origin = end - timedelta(minutes=size)
    counts = [0] * size
    for minute, n in (
        matching_signals(trigger=trigger)
        .filter(observed_at__gte=origin, observed_at__lte=now)
        .annotate(minute=TruncMinute("observed_at"))
        .values("minute")
        .annotate(n=Count("id"))
        .values_list("minute", "n")
    ):
        counts[int((minute - origin).total_seconds() // 60)] += n
    # in_window[m]: signals in the window ending with minute m; strided[m]: the sums of
    # in_window and its squares over m, m - w, m - 2w, ...
    running = 0
    in_window = [0] * size
    sums = [0] * size
    squares = [0] * size
    for m in range(size):
        running += counts[m] - (counts[m - w] if m >= w else 0)
        in_window[m] = running
        sums[m] = running + (sums[m - w] if m >= w else 0)
        squares[m] = running * running + (squares[m - w] if m >= w else 0)
    first = size - days * 1440
    fired: list[WouldFire] = []
    last: datetime | None = None
    cooldown = timedelta(minutes=trigger.cooldown_minutes)
    for m in range(first, size):
        if counts[m] == 0 or in_window[m] < trigger.threshold:
            continue
        s = m - w
        low = s - buckets * w
        total = sums[s] - (sums[low] if low >= 0 else 0)
        total_sq = squares[s] - (squares[low] if low >= 0 else 0)
        mean = total / buckets
        std = math.sqrt(max(total_sq / buckets - mean * mean, 0.0))
        if z_score(current=in_window[m], mean=mean, std=std) < trigger.min_z_score:
            continue
        at = min(origin + timedelta(minutes=m + 1), now)
        if last is None or at - last >= cooldown:
            fired.append(WouldFire(at=at, matched=in_window[m]))
            last = at
    return fired


def _absence_dry_run(*, trigger: Trigger, now: datetime, days: int) -> list[WouldFire]:
    """Walk the channel's posts: after each one (and before the first, from when the channel
    was added) the trigger would fire ``absence_days`` later unless the next post came first,
    and again every cool-down while the silence lasted."""
    if trigger.channel is None or trigger.absence_days is None:
        return []
    start = now - timedelta(days=days)
    quiet = timedelta(days=trigger.absence_days)
    cooldown = timedelta(minutes=trigger.cooldown_minutes)
    posts: list[datetime] = sorted(
        at
        for at in content.drafts()
        .filter(
            channel_id=trigger.channel.pk,
            published_at__isnull=False,
            published_at__gt=start - quiet,
            published_at__lte=now,
        )
        .values_list("published_at", flat=True)
        if at is not None
    )
    before = last_post_at(channel_id=trigger.channel.pk, before=start - quiet)
    since = before or trigger.channel.created_at
    fired: list[WouldFire] = []
    last: datetime | None = None
    for post in [*posts, None]:
        until = post if post is not None else now + timedelta(microseconds=1)
        at = since + quiet
        if last is not None:
            at = max(at, last + cooldown)
        while at < until and at <= now:
            if at >= start:
                fired.append(WouldFire(at=at, matched=int((at - since).total_seconds() // 86400)))
                last = at
            at += cooldown
        if post is not None:
            since = post
    return fired


def _calendar_dry_run(*, trigger: Trigger, now: datetime, days: int) -> list[WouldFire]:
    """Each event the trigger watches would have fired it once, when it came within the lead
    time (or when the period starts, if it already was), unless it ended first; earliest
    first, the cool-down pushing later ones back. The calendar as it stands now."""
    if trigger.lead_days is None:
        return []
    tz = _tz()
    start = now - timedelta(days=days)
    lead = timedelta(days=trigger.lead_days)
    today = now.astimezone(tz).date()
    events = _watched(trigger, start.astimezone(tz).date(), today + lead)
    cooldown = timedelta(minutes=trigger.cooldown_minutes)
    fired: list[WouldFire] = []
    last: datetime | None = None
    for event in sorted(events, key=lambda e: (e.starts_on, e.id)):
        at = max(_midnight(event.starts_on - lead, tz), start)
        if last is not None:
            at = max(at, last + cooldown)
        if at > now or at >= _midnight(event.ends_on + timedelta(days=1), tz):
            continue
        local = at.astimezone(tz).date()
        fired.append(WouldFire(at=at, matched=max((event.starts_on - local).days, 0)))
        last = at
    return fired


def _kpi_dry_run(*, trigger: Trigger, now: datetime, days: int) -> list[WouldFire]:
    """Judged at the end of each brand-local day of the period (and now), once per KPI period
    and cool-down, with the results as they are stored now (figures that arrived late count as
    if known then)."""
    if trigger.kpi_id is None or trigger.kpi_off_by_percent is None:
        return []
    tz = _tz()
    first = (now - timedelta(days=days)).astimezone(tz).date()
    moments = [_midnight(first + timedelta(days=n + 1), tz) for n in range(days + 1)]
    moments = [m for m in moments if m < now] + [now]
    cooldown = timedelta(minutes=trigger.cooldown_minutes)
    fired: list[WouldFire] = []
    done: set[str] = set()
    last: datetime | None = None
    for at in moments:
        if last is not None and at - last < cooldown:
            continue
        reading = extensions.read_kpi(kpi_id=trigger.kpi_id, now=at)
        if reading is None:
            return fired
        off, percent = _off_by(reading, trigger.kpi_off_by_percent)
        if off and _kpi_occasion(reading) not in done:
            fired.append(WouldFire(at=at, matched=int(percent or 0)))
            done.add(_kpi_occasion(reading))
            last = at
    return fired
