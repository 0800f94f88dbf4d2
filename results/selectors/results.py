"""Organic results over a date range: per post (its latest lifetime figures, for posts
published in the range) and per channel, audience or campaign (what grew in the range), plus
the figures Brandroom computes from its own data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum

from content import selectors as content
from results.measures import ENGAGEMENTS, percent
from results.models import POST_COUNTERS, PostTotals, ResultDay
from results.periods import local_midnight
from results.pillars import pillar_names
from results.plan_counts import planned_posts
from results.selectors.actuals import RANGE, Ask, inbox_waits, series_many

BREAKDOWNS = {
    "channel": "channel_id",
    "audience": "audience_id",
    "campaign": "campaign",
    "pillar": "pillar_id",
}


def post_results(
    *,
    start: date,
    end: date,
    tz: ZoneInfo,
    scope: tuple[str, str] = ("", ""),
    best_first: bool = True,
    limit: int = 50,
) -> QuerySet[PostTotals]:
    """Posts published on the brand-local days [start, end) with their latest reported
    figures, best (or worst) engagement rate first; posts without impressions come last."""
    rows = PostTotals.objects.filter(
        draft__published_at__gte=local_midnight(start, tz),
        draft__published_at__lt=local_midnight(end, tz),
    )
    kind, value = scope
    if kind in ("channel", "audience"):
        rows = rows.filter(**{f"draft__{kind}_id": int(value)})
    elif kind == "campaign":
        rows = rows.filter(draft__brief__campaign=value)
    rate = F("engagement_rate")
    order = rate.desc(nulls_last=True) if best_first else rate.asc(nulls_last=True)
    return (
        rows.select_related("draft", "draft__channel", "draft__audience")
        .annotate(
            engagements=ENGAGEMENTS,
            engagement_rate=percent(ENGAGEMENTS, F("impressions")),
            click_through_rate=percent(F("link_clicks"), F("impressions")),
        )
        .order_by(order, "-draft__published_at", "draft_id")[:limit]
    )


def breakdown(*, by: str, start: date, end: date) -> list[dict[str, Any]]:
    """What grew on the brand-local days [start, end), per channel, audience, campaign or pillar,
    best engagement rate first (from the daily rollup)."""
    key = BREAKDOWNS[by]
    rows = (
        ResultDay.objects.filter(day__gte=start, day__lt=end)
        .values(key)
        .annotate(
            # Before the counters: their names would otherwise mean the sums, not the columns.
            engagements=Sum(ENGAGEMENTS),
            engagement_rate=percent(Sum(ENGAGEMENTS), Sum("impressions")),
            click_through_rate=percent(Sum("link_clicks"), Sum("impressions")),
            **{name: Sum(name) for name in POST_COUNTERS},
        )
        .order_by(F("engagement_rate").desc(nulls_last=True), key)
    )
    names: dict[Any, str] = {}
    if by == "channel":
        names = {c.pk: str(c) for c in content.channels()}
    elif by == "audience":
        names = {a.pk: a.name for a in content.audiences()}
    elif by == "pillar":
        names = pillar_names()
    return [
        {
            "key": "" if row[key] is None else str(row[key]),
            "name": names.get(row[key], row[key] or "(none)")
            if by != "campaign"
            else (row[key] or "(none)"),
            **row,
        }
        for row in rows
    ]


# The figures Brandroom computes from its own data (catalogue metrics without a scope).
OWN_FIGURES = (
    "posts_published",
    "median_reply_minutes",
    "replies_in_time_share",
    "median_signoff_minutes_post",
    "median_signoff_minutes_reply",
    "median_signoff_minutes_boost",
    "novelty_rejections",
    "ai_cost_per_post",
    "engagements",
    "engagement_rate",
    "paid_engagements",
    "paid_results",
)


def own_figures(
    *, start: date, end: date, tz: ZoneInfo, now: datetime, reply_deadline_minutes: int
) -> dict[str, Decimal | None]:
    """Each figure over the whole range [start, end) as one period (computed together: one
    query per source)."""
    asks = [Ask(metric, RANGE, (start,), range_end=end) for metric in OWN_FIGURES]
    values = series_many(asks=asks, tz=tz, now=now, reply_deadline_minutes=reply_deadline_minutes)
    figures = {metric: found[start] for metric, found in zip(OWN_FIGURES, values, strict=True)}
    # Published against planned: the plan's items on those days (dropped ones left out).
    planned = planned_posts(start=start, end=end)
    published = figures["posts_published"]
    figures["posts_planned"] = None if planned is None else Decimal(planned)
    figures["published_vs_planned"] = (
        (Decimal(published or 0) * 100 / planned).quantize(Decimal("0.1")) if planned else None
    )
    return figures


# Reply-time buckets in minutes: [low, high) each, the last open-ended.
REPLY_BUCKETS = ((0, 15), (15, 30), (30, 60), (60, 120), (120, 240), (240, None))


def reply_time_distribution(*, start: date, end: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """How many inbox items received on the days [start, end) got their first published
    reply within each bucket of minutes (one grouped query)."""
    waits = inbox_waits(start_at=local_midnight(start, tz), end_at=local_midnight(end, tz)).filter(
        first_reply__isnull=False
    )
    counts = {}
    for low, high in REPLY_BUCKETS:
        condition = Q(wait__gte=timedelta(minutes=low))
        if high is not None:
            condition &= Q(wait__lt=timedelta(minutes=high))
        counts[f"b{low}"] = Count("pk", filter=condition)
    found = waits.aggregate(**counts)
    return [
        {
            "label": f"{low}–{high} min" if high is not None else f"{low}+ min",
            "low": low,
            "high": high,
            "count": found[f"b{low}"],
        }
        for low, high in REPLY_BUCKETS
    ]
