"""The plan's lists: pillars, cadence, campaigns, items and the months the plan covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Func, JSONField, Q, QuerySet, Sum, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth

from planning import horizon
from planning.models import (
    ITEM_DELIVERED,
    Cadence,
    Campaign,
    Finding,
    ItemStatus,
    Pillar,
    Plan,
    PlanItem,
    PlanMonth,
    PlanProposal,
    Review,
)
from planning.production import LeadDays


def plan_settings() -> Plan:
    """The brand's plan row (its defaults before anything was set)."""
    return Plan.objects.filter(pk=1).first() or Plan(pk=1)


def lead_days() -> LeadDays:
    """The plan's production lead times (one query; items' steps are counted from them)."""
    row = plan_settings()
    return LeadDays(
        brief=row.brief_lead_days, draft=row.draft_lead_days, signoff=row.signoff_lead_days
    )


def pillars() -> QuerySet[Pillar]:
    """The brand's content pillars, by name."""
    return Pillar.objects.order_by("name", "id")


def pillar_names() -> dict[int, str]:
    """The brand's pillars, id -> name (results measures them through this)."""
    return dict(Pillar.objects.values_list("id", "name"))


def cadences() -> QuerySet[Cadence]:
    """Cadence per channel, with the channel."""
    return Cadence.objects.select_related("channel").order_by("channel_id")


def campaigns() -> QuerySet[Campaign]:
    """Campaigns and calendar events, earliest first."""
    return Campaign.objects.order_by("starts_on", "id")


def items(
    *, start: date | None = None, end: date | None = None, campaign_id: int | None = None
) -> QuerySet[PlanItem]:
    """Plan items, optionally those planned from ``start`` to ``end`` (both included; a week
    item counts from its Monday), with their distribution actions."""
    rows = PlanItem.objects.prefetch_related("distribution")
    if start is not None:
        rows = rows.filter(planned_on__gte=start)
    if end is not None:
        rows = rows.filter(planned_on__lte=end)
    if campaign_id is not None:
        rows = rows.filter(campaign_id=campaign_id)
    return rows


# The columns an item is listed with (planning.api's item shape), as values() names them;
# item_rows adds "created" and "updated" (ISO 8601 text) and "actions".
ITEM_COLUMNS = (
    "pk",
    "title",
    "notes",
    "planned_on",
    "whole_week",
    "publish_time",
    "channel_id",
    "pillar_id",
    "campaign_id",
    "owner_id",
    "audience_id",
    "status",
    "brief_id",
    "created_by_id",
)

# An item's distribution actions in order, as the API shows them (numeric(12, 2) as text is
# what str() of its Decimal gives: "12.50"), or NULL. Written out: building this as a Django
# subquery cost more to compile on every request than the database spends running it.
_ACTIONS = RawSQL(
    """SELECT jsonb_agg(jsonb_build_object('kind', a.kind, 'amount', a.amount::text,
        'currency', a.currency, 'channel', a.channel_id, 'note', a.note) ORDER BY a.position)
    FROM planning_distributionaction a WHERE a.item_id = planning_planitem.id""",
    (),
    output_field=JSONField(),
)


def _iso(column: str) -> Func:
    # JSON's rendering of a timestamptz is ISO 8601 whatever the session's DateStyle; read as
    # text, Python's C fromisoformat parses it where Django's timestamptz loader (pure Python)
    # took most of the time of fetching a page.
    return Func(F(column), template="to_json(%(expressions)s) #>> '{}'", output_field=TextField())


def item_rows(
    *, start: date | None = None, end: date | None = None
) -> QuerySet[PlanItem, dict[str, Any]]:
    """Items as plain rows for listing (``ITEM_COLUMNS``, ``created`` and ``updated`` as ISO
    text, ``actions``: the item's distribution actions as dicts, or None), from ``start`` to
    ``end`` like ``items``: one statement a page and no model instance per item."""
    rows = PlanItem.objects.all()
    if start is not None:
        rows = rows.filter(planned_on__gte=start)
    if end is not None:
        rows = rows.filter(planned_on__lte=end)
    listed: QuerySet[PlanItem, dict[str, Any]] = rows.values(
        *ITEM_COLUMNS, created=_iso("created_at"), updated=_iso("updated_at"), actions=_ACTIONS
    )
    return listed


@dataclass(frozen=True)
class MonthRow:
    month: date
    closed: bool
    planned: int
    published: int
    dropped: int
    missed: int
    cadence_target: int


def plan_months(*, today: date) -> list[MonthRow]:
    """The months the roll has added, oldest first: a closed month with the figures it closed
    with, an open one with its items as they stand and the current cadence's target."""
    weekly = Cadence.objects.aggregate(total=Sum("posts_per_week"))["total"] or 0
    live = {
        row["month"]: row
        for row in PlanItem.objects.annotate(month=TruncMonth("planned_on"))
        .values("month")
        .annotate(
            planned=Count("pk", filter=~Q(status=ItemStatus.DROPPED)),
            published=Count("pk", filter=Q(status__in=ITEM_DELIVERED)),
            dropped=Count("pk", filter=Q(status=ItemStatus.DROPPED)),
        )
    }
    rows = []
    for month in PlanMonth.objects.order_by("month"):
        if month.closed_at is not None:
            rows.append(
                MonthRow(
                    month=month.month,
                    closed=True,
                    planned=month.planned,
                    published=month.published,
                    dropped=month.dropped,
                    missed=month.missed,
                    cadence_target=month.cadence_target,
                )
            )
            continue
        counts = live.get(month.month, {"planned": 0, "published": 0, "dropped": 0})
        rows.append(
            MonthRow(
                month=month.month,
                closed=False,
                planned=counts["planned"],
                published=counts["published"],
                dropped=counts["dropped"],
                # Not missed yet: the month is still open.
                missed=0,
                cadence_target=round(weekly * horizon.weeks_in_month(month.month)),
            )
        )
    return rows


def reviews() -> QuerySet[Review]:
    """Reviews, newest period first, with their findings and actions."""
    return Review.objects.prefetch_related("findings", "actions").order_by("-period_start", "-id")


@dataclass(frozen=True)
class Delivery:
    """What the plan said for a period against what happened."""

    start: date
    end: date
    planned: int
    published: int
    dropped: int
    open: int


def plan_delivery(*, start: date, end: date) -> Delivery:
    """Items planned from ``start`` to ``end`` (excluded): how many were published, dropped
    or are still open."""
    counts = PlanItem.objects.filter(planned_on__gte=start, planned_on__lt=end).aggregate(
        planned=Count("pk", filter=~Q(status=ItemStatus.DROPPED)),
        published=Count("pk", filter=Q(status__in=ITEM_DELIVERED)),
        dropped=Count("pk", filter=Q(status=ItemStatus.DROPPED)),
    )
    return Delivery(
        start=start,
        end=end,
        planned=counts["planned"],
        published=counts["published"],
        dropped=counts["dropped"],
        open=counts["planned"] - counts["published"],
    )


def learnings(*, limit: int | None = None) -> QuerySet[Finding]:
    """Findings marked as learnings, newest first (what the assistant reads), with their
    review."""
    rows = Finding.objects.filter(learning=True).select_related("review")
    rows = rows.order_by("-created_at", "-id")
    return rows[:limit] if limit is not None else rows


def learning_texts(*, limit: int) -> list[str]:
    """The learnings' texts for the assistant (content.assistant.learnings source)."""
    return list(learnings(limit=limit).values_list("text", flat=True))


def planned_count(*, start: date, end: date) -> int:
    """The plan's items (posts) on the days [start, end), dropped ones left out: what results
    sets published posts against."""
    return (
        PlanItem.objects.filter(planned_on__gte=start, planned_on__lt=end)
        .exclude(status=ItemStatus.DROPPED)
        .count()
    )


def proposals() -> QuerySet[PlanProposal]:
    """The assistant's plan proposals, by day (filter by status in the view)."""
    return PlanProposal.objects.order_by("planned_on", "publish_time", "id")
