"""Triggers, their firings, the signals a trigger counts and its dry run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMinute

from listening.errors import NotFound
from listening.models import Signal, Trigger, TriggerFiring

DRY_RUN_DAYS = 30


@dataclass(frozen=True)
class WouldFire:
    at: datetime
    matched: int


def triggers() -> QuerySet[Trigger]:
    """The brand's triggers, newest first."""
    return Trigger.objects.select_related("audience", "channel").order_by("-created_at", "-pk")


def get_trigger(*, trigger_id: int) -> Trigger:
    """One trigger, or a 404."""
    found = triggers().filter(pk=trigger_id).first()
    if found is None:
        raise NotFound(f"There is no trigger {trigger_id}.")
    return found


def firings(*, trigger_id: int) -> QuerySet[TriggerFiring]:
    """When a trigger fired and what it did, newest first."""
    return TriggerFiring.objects.filter(trigger_id=trigger_id).order_by("-fired_at", "-pk")


def matching_signals(*, trigger: Trigger) -> QuerySet[Signal]:
    """The signals a trigger's condition counts (at any time). Signals about Brandroom's own
    output never count: a trigger's brief must not be able to feed its own condition."""
    rows = Signal.objects.filter(from_own_output=False)
    if trigger.kind:
        rows = rows.filter(kind=trigger.kind)
    if trigger.source:
        rows = rows.filter(source__iexact=trigger.source)
    if trigger.topic:
        rows = rows.filter(topic__iexact=trigger.topic)
    if trigger.keyword:
        rows = rows.filter(text__icontains=trigger.keyword)
    if trigger.negative_only:
        rows = rows.filter(sentiment__lt=0)
    return rows


def matched_in_window(*, trigger: Trigger, now: datetime) -> int:
    """How many matching signals were observed in the trigger's window ending at ``now``."""
    start = now - timedelta(minutes=trigger.window_minutes)
    return (
        matching_signals(trigger=trigger)
        .filter(observed_at__gt=start, observed_at__lte=now)
        .count()
    )


def would_have_fired(
    *, trigger: Trigger, now: datetime, days: int = DRY_RUN_DAYS
) -> list[WouldFire]:
    """When the trigger (saved or not) would have fired over the last ``days`` days, honouring
    its window and cool-down, judged at each minute a matching signal arrived; nothing is
    written. Costs one grouped query and a pass over the minutes that had signals."""
    window = timedelta(minutes=trigger.window_minutes)
    cooldown = timedelta(minutes=trigger.cooldown_minutes)
    start = now - timedelta(days=days)
    minutes = list(
        matching_signals(trigger=trigger)
        .filter(observed_at__gt=start - window, observed_at__lte=now)
        .annotate(minute=TruncMinute("observed_at"))
        .values("minute")
        .annotate(n=Count("id"))
        .order_by("minute")
        .values_list("minute", "n")
    )
    fired: list[WouldFire] = []
    last: datetime | None = None
    in_window = 0
    tail = 0
    for minute, n in minutes:
        # A signal at 12:07:30 counts from 12:07 (its minute): judge at the minute's end.
        at = min(minute + timedelta(minutes=1), now)
        in_window += n
        while minutes[tail][0] + timedelta(minutes=1) <= at - window:
            in_window -= minutes[tail][1]
            tail += 1
        if at < start or in_window < trigger.threshold:
            continue
        if last is None or at - last >= cooldown:
            fired.append(WouldFire(at=at, matched=in_window))
            last = at
    return fired
