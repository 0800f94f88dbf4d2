"""Planning's rows in the cockpit's attention rollup: plan gaps in the next 14 days.

A channel planned below its cadence in a week of the next 14 days, and a campaign or calendar
event in them that no item covers, each wait for the brand's planners (``plan.manage``). The
horizon moves with the clock, so the rows are rebuilt by the outbox reconciler (every minute per
brand) rather than only when the plan changes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from planning import horizon
from planning.selectors.gaps import plan_gaps
from tenants.attention.models import AttentionKind
from tenants.attention.services import Attention, sync_attention
from tenants.selectors import current_brand

HORIZON_DAYS = 14


def _collect() -> list[Attention]:
    brand = current_brand()
    tz = ZoneInfo(brand.timezone)
    today = horizon.local_today(now=timezone.now(), tz_name=brand.timezone)
    last = today + timedelta(days=HORIZON_DAYS - 1)
    gaps = plan_gaps(start=today, end=last)
    link = f"/brands/{brand.slug}/api/v1/plan/gaps/?from={today}&to={last}"

    def starts(day: object) -> datetime:
        return datetime.combine(day, time.min, tzinfo=tz)  # type: ignore[arg-type]

    rows = []
    for channel in gaps.channels:
        weeks = [
            w for w in channel.weeks_below_cadence if w.week_start + timedelta(days=6) >= today
        ]
        if not weeks:
            continue
        first = weeks[0]
        short = sum(w.short_by for w in weeks)
        rows.append(
            Attention(
                kind=AttentionKind.PLAN_GAP,
                source_id=channel.channel_id,
                title=f"{channel.channel}: {short} posts short of its cadence in the next "
                f"{HORIZON_DAYS} days (week of {first.week_start}: {first.planned} of "
                f"{first.target} planned)",
                link=link,
                since=starts(first.week_start),
                # The posts must be planned by the start of the week that lacks them.
                due_at=starts(max(first.week_start, today)),
            )
        )
    for event in gaps.events:
        if event.covered or event.ends_on < today or event.starts_on > last:
            continue
        rows.append(
            Attention(
                kind=AttentionKind.PLAN_GAP,
                # Negative: a campaign, kept apart from the channels' rows.
                source_id=-event.campaign_id,
                title=f"{event.name} ({event.kind}, {event.starts_on} to {event.ends_on}) "
                "has nothing planned for it",
                link=link,
                # Waiting since the event came within the horizon.
                since=starts(event.starts_on - timedelta(days=HORIZON_DAYS - 1)),
                due_at=starts(max(event.starts_on, today)),
            )
        )
    return rows


def sync_plan_gap_attention() -> int:
    """Make the brand's plan-gap rows match its plan for the next 14 days; rows changed."""
    return sync_attention(kinds={AttentionKind.PLAN_GAP}, collect=_collect)
