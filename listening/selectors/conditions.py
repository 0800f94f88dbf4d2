"""What a trigger's condition sees now and when it would have held: the window's count against
its 28-day baseline (a z-score), and the days since the last post on a channel. One dry run per
kind of condition, each honouring the cool-down, writing nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMinute

from content import selectors as content
from listening.models import Trigger, TriggerCondition
from listening.selectors.triggers import (
    DRY_RUN_DAYS,
    WouldFire,
    matched_in_window,
    matching_signals,
    would_have_fired,
)
from listening.severity import z_score

BASELINE_DAYS = 28


@dataclass(frozen=True)
class Judgement:
    """Whether the condition holds at a moment, the number it saw (``matched``) and the
    evidence a firing records as its inputs."""

    holds: bool
    matched: int
    evidence: dict[str, Any]


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


def judge(*, trigger: Trigger, now: datetime) -> Judgement:
    """The trigger's condition at ``now``."""
    if trigger.condition == TriggerCondition.BASELINE:
        return baseline_judgement(trigger=trigger, now=now)
    if trigger.condition == TriggerCondition.ABSENCE:
        return absence_judgement(trigger=trigger, now=now)
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


def dry_run(*, trigger: Trigger, now: datetime, days: int = DRY_RUN_DAYS) -> list[WouldFire]:
    """When the trigger (saved or not) would have fired over the last ``days`` days."""
    if trigger.condition == TriggerCondition.BASELINE:
        return _baseline_dry_run(trigger=trigger, now=now, days=days)
    if trigger.condition == TriggerCondition.ABSENCE:
        return _absence_dry_run(trigger=trigger, now=now, days=days)
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
