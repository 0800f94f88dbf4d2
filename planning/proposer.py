"""The offline plan proposer: which posts a range of days still needs and what each is about,
from the plan as it stands. Pure (no database), so it is tested on its own and the service
only gathers its inputs and stores what it returns.

Slots come from cadence: each channel's posts a week, prorated for weeks the range only
partly covers, less the items already planned there. Each slot gets the pillar furthest below
its target share (counting the items already planned), a campaign or calendar event running
that day (its pillar when it has one), and the hour the channel's best recent posts went out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from planning.horizon import week_start

# One request proposes at most this many items: a quarter of a busy brand's channels.
MAX_PROPOSALS = 200
MODEL = "brandroom-planner-v1"


@dataclass(frozen=True)
class ChannelInput:
    id: int
    name: str
    posts_per_week: int
    best_hour: int | None = None  # brand-local hour its best recent posts went out


@dataclass(frozen=True)
class PillarInput:
    id: int
    name: str
    target_share: Decimal
    # Engagement rank from results (0 = best), None when no results name it.
    performance_rank: int | None = None


@dataclass(frozen=True)
class EventInput:
    id: int
    name: str
    kind: str
    starts_on: date
    ends_on: date
    goal: str = ""
    pillar_id: int | None = None


@dataclass(frozen=True)
class PlannedInput:
    planned_on: date
    channel_id: int
    pillar_id: int


@dataclass(frozen=True)
class ProposerInput:
    start: date
    end: date  # included
    channels: list[ChannelInput]
    pillars: list[PillarInput]
    events: list[EventInput] = field(default_factory=list)
    planned: list[PlannedInput] = field(default_factory=list)
    tone: str = ""  # the voice's first tone word, for the rationale
    # What results could say ("" when there were no results to learn from).
    performance_note: str = ""


@dataclass(frozen=True)
class Proposed:
    title: str
    planned_on: date
    publish_time: time | None
    channel_id: int
    pillar_id: int
    campaign_id: int | None
    rationale: str


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _spread(days: list[date], count: int) -> list[date]:
    """``count`` of ``days`` spread evenly (count <= len(days))."""
    if count <= 0:
        return []
    step = len(days) / count
    return [days[int(step * n + step / 2)] for n in range(count)]


def _event_on(day: date, events: list[EventInput]) -> EventInput | None:
    running = [e for e in events if e.starts_on <= day <= e.ends_on]
    # Campaigns and launches first (the item is theirs), then holidays and peaks.
    running.sort(key=lambda e: (e.kind not in ("campaign", "launch"), e.starts_on, e.id))
    return running[0] if running else None


def _pick_pillar(
    pillars: list[PillarInput], counts: Counter[int], total: int, preferred: int | None
) -> PillarInput:
    if preferred is not None:
        for pillar in pillars:
            if pillar.id == preferred:
                return pillar

    def deficit(p: PillarInput) -> tuple[Decimal, int, str]:
        wanted = p.target_share / 100 * (total + 1)
        rank = p.performance_rank if p.performance_rank is not None else len(pillars)
        return (-(wanted - counts[p.id]), rank, p.name)

    return min(pillars, key=deficit)


def propose(data: ProposerInput) -> list[Proposed]:
    """The items the range still needs, by day, at most ``MAX_PROPOSALS``."""
    if not data.channels or not data.pillars:
        return []
    days = _days(data.start, data.end)
    planned_by_channel_day = Counter((p.channel_id, p.planned_on) for p in data.planned)
    pillar_counts: Counter[int] = Counter(p.pillar_id for p in data.planned)
    total = len(data.planned)
    slots: list[tuple[date, ChannelInput, int, int]] = []
    for monday in sorted({week_start(day) for day in days}):
        week = [d for d in days if week_start(d) == monday]
        for channel in data.channels:
            target = round(channel.posts_per_week * len(week) / 7)
            have = sum(planned_by_channel_day[(channel.id, d)] for d in week)
            free = [d for d in week if not planned_by_channel_day[(channel.id, d)]]
            need = min(max(0, target - have), len(free))
            for day in _spread(free, need):
                slots.append((day, channel, target, have))
    slots.sort(key=lambda s: (s[0], s[1].id))
    proposals: list[Proposed] = []
    for day, channel, target, have in slots[:MAX_PROPOSALS]:
        event = _event_on(day, data.events)
        pillar = _pick_pillar(
            data.pillars, pillar_counts, total, event.pillar_id if event is not None else None
        )
        share = (Decimal(100) * pillar_counts[pillar.id] / total) if total else Decimal(0)
        pillar_counts[pillar.id] += 1
        total += 1
        title = f"{pillar.name}: {event.name}" if event is not None else pillar.name
        title = f"{title} on {channel.name}"
        reasons = [
            f"{channel.name} asks for {channel.posts_per_week} posts a week; the week of "
            f"{week_start(day)} has {have} of {target} in this range.",
            f"{pillar.name} is at {share:.0f} % of the planned posts against its "
            f"{pillar.target_share:.0f} % target.",
        ]
        if event is not None:
            reasons.append(
                f"The {event.kind} '{event.name}' runs {event.starts_on} to {event.ends_on}"
                + (f" (goal: {event.goal})." if event.goal else ".")
            )
        if pillar.performance_rank is not None:
            reasons.append(f"{pillar.name} ranks #{pillar.performance_rank + 1} by engagement.")
        publish_time = time(channel.best_hour) if channel.best_hour is not None else None
        if publish_time is not None:
            reasons.append(
                f"{channel.best_hour:02d}:00 is when {channel.name}'s best recent posts went out."
            )
        if data.tone:
            reasons.append(f"Write it {data.tone}, as the brand voice says.")
        if data.performance_note:
            reasons.append(data.performance_note)
        proposals.append(
            Proposed(
                title=title[:200],
                planned_on=day,
                publish_time=publish_time,
                channel_id=channel.id,
                pillar_id=pillar.id,
                campaign_id=event.id if event is not None else None,
                rationale=" ".join(reasons),
            )
        )
    return proposals
