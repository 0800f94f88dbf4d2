"""The gaps view: where the plan falls short of each channel's cadence, week by week, and
how far the pillar mix drifts from the pillars' target shares, over whole ISO weeks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from approvals.models import Duty
from approvals.selectors.rota import coverage_windows
from planning import horizon
from planning.models import Cadence, Campaign, ItemStatus, Pillar, PlanItem
from planning.selectors.plan import plan_settings

# A pillar whose share of the planned items is within this many percentage points of its
# target is on target.
SHARE_TOLERANCE = Decimal(5)
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class WeekGap:
    week_start: date
    planned: int
    target: int
    short_by: int


@dataclass(frozen=True)
class ChannelGap:
    channel_id: int
    channel: str
    purpose: str
    posts_per_week: int
    planned: int
    target: int
    short_by: int
    weeks_below_cadence: list[WeekGap]


@dataclass(frozen=True)
class PillarMix:
    pillar_id: int
    name: str
    target_share: Decimal
    planned: int
    actual_share: Decimal
    drift: Decimal
    to_target: int
    status: str


@dataclass(frozen=True)
class EventCover:
    """A campaign or calendar event in the range and the items that cover it: for a campaign
    or launch, its own items; for a holiday or peak period, any item on its days."""

    campaign_id: int
    name: str
    kind: str
    starts_on: date
    ends_on: date
    planned: int
    covered: bool
    # People on approvals duty on some day of it (the rota's windows), in rota order: who
    # signs off what is made at short notice for an event nobody planned for.
    on_duty_ids: list[int]


@dataclass(frozen=True)
class OwnerLoad:
    owner_id: int
    week_start: date
    planned: int
    capacity: int
    over_by: int


@dataclass(frozen=True)
class Gaps:
    start: date
    end: date
    weeks: int
    planned: int
    target: int
    short_by: int
    unassigned_share: Decimal
    channels: list[ChannelGap]
    pillars: list[PillarMix]
    events: list[EventCover]
    owners_over_capacity: list[OwnerLoad]


def plan_gaps(*, start: date, end: date) -> Gaps:
    """Gaps over the ISO weeks from the one holding ``start`` to the one holding ``end``.
    Dropped items do not count; a week item counts in its week."""
    first = horizon.week_start(start)
    last = horizon.week_start(end) + timedelta(days=6)
    weeks = [first + timedelta(days=7 * n) for n in range(((last - first).days + 1) // 7)]
    rows = list(
        PlanItem.objects.filter(planned_on__gte=first, planned_on__lte=last)
        .exclude(status=ItemStatus.DROPPED)
        .values_list("channel_id", "planned_on", "pillar_id", "campaign_id")
    )
    owned = Counter(
        (owner, horizon.week_start(day))
        for owner, day in PlanItem.objects.filter(
            planned_on__gte=first, planned_on__lte=last, owner_id__isnull=False
        )
        .exclude(status=ItemStatus.DROPPED)
        .values_list("owner_id", "planned_on")
    )
    capacity = plan_settings().owner_weekly_capacity
    per_week = Counter((channel, horizon.week_start(day)) for channel, day, _, _ in rows)
    channels = [
        _channel_gap(cadence=cadence, weeks=weeks, per_week=per_week)
        for cadence in Cadence.objects.select_related("channel").order_by("channel_id")
    ]
    per_pillar = Counter(pillar for _, _, pillar, _ in rows)
    targets = list(Pillar.objects.order_by("name", "id"))
    mix = [_pillar_mix(pillar=p, planned=per_pillar[p.pk], total=len(rows)) for p in targets]
    shared = sum((p.target_share for p in targets), Decimal(0))
    return Gaps(
        start=first,
        end=last,
        weeks=len(weeks),
        planned=len(rows),
        target=sum(c.target for c in channels),
        short_by=sum(c.short_by for c in channels),
        unassigned_share=(Decimal(100) - shared).quantize(CENTS),
        channels=channels,
        pillars=mix,
        events=_events(first=first, last=last, rows=rows),
        owners_over_capacity=[
            OwnerLoad(owner, week, planned, capacity, planned - capacity)
            for (owner, week), planned in sorted(owned.items(), key=lambda kv: (kv[0][1], kv[0][0]))
            if planned > capacity
        ],
    )


def _events(
    *, first: date, last: date, rows: Sequence[tuple[int, date, int, int | None]]
) -> list[EventCover]:
    events = []
    windows = [
        (window.user_id, set(window.weekdays)) for window in coverage_windows(duty=Duty.APPROVALS)
    ]
    for event in Campaign.objects.filter(starts_on__lte=last, ends_on__gte=first).order_by(
        "starts_on", "id"
    ):
        start, end = max(event.starts_on, first), min(event.ends_on, last)
        if event.kind in (Campaign.Kind.HOLIDAY, Campaign.Kind.PEAK):
            planned = sum(1 for _, day, _, _ in rows if start <= day <= end)
        else:
            planned = sum(1 for _, _, _, campaign in rows if campaign == event.pk)
        events.append(
            EventCover(
                campaign_id=event.pk,
                name=event.name,
                kind=event.kind,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
                planned=planned,
                covered=planned > 0,
                on_duty_ids=_on_duty(windows, start=event.starts_on, end=event.ends_on),
            )
        )
    return events


def _on_duty(windows: list[tuple[int, set[int]]], *, start: date, end: date) -> list[int]:
    days = {(start + timedelta(days=n)).weekday() for n in range(min((end - start).days + 1, 7))}
    ids: list[int] = []
    for user_id, weekdays in windows:
        if user_id not in ids and weekdays & days:
            ids.append(user_id)
    return ids


def _channel_gap(
    *, cadence: Cadence, weeks: list[date], per_week: Counter[tuple[int, date]]
) -> ChannelGap:
    target = cadence.posts_per_week
    below = [
        WeekGap(week_start=week, planned=planned, target=target, short_by=target - planned)
        for week in weeks
        if (planned := per_week[(cadence.channel_id, week)]) < target
    ]
    planned = sum(per_week[(cadence.channel_id, week)] for week in weeks)
    channel = cadence.channel
    return ChannelGap(
        channel_id=cadence.channel_id,
        channel=channel.name or f"{channel.network} @{channel.handle}",
        purpose=cadence.purpose,
        posts_per_week=target,
        planned=planned,
        target=target * len(weeks),
        short_by=sum(week.short_by for week in below),
        weeks_below_cadence=below,
    )


def _pillar_mix(*, pillar: Pillar, planned: int, total: int) -> PillarMix:
    target = pillar.target_share
    if not total:
        return PillarMix(pillar.pk, pillar.name, target, 0, Decimal("0.00"), -target, 0, "no_items")
    actual = (Decimal(100) * planned / total).quantize(CENTS, ROUND_HALF_UP)
    drift = actual - target
    wanted = (target * total / 100).quantize(Decimal(1), ROUND_HALF_UP)
    status = "on_target" if abs(drift) <= SHARE_TOLERANCE else ("under" if drift < 0 else "over")
    return PillarMix(
        pillar_id=pillar.pk,
        name=pillar.name,
        target_share=target,
        planned=planned,
        actual_share=actual,
        drift=drift.quantize(CENTS),
        to_target=int(wanted) - planned,
        status=status,
    )
