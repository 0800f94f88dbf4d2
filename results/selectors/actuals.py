"""A catalogue metric's value per period, computed in the database from stored data.

Many series are answered together (``series_many``): each ask is routed to the query that can
answer it — a source (the daily rollup, published posts, channel days, followers, the inbox,
approvals, novelty, AI jobs, paid results) over one range of periods of one kind — and each
such query is run once, grouped by period, with one FILTER aggregate per metric and scope it
has to answer. The number of queries grows with the sources and period kinds in use, not with
the number of KPIs. Totals of periods with no rows are 0; rates, medians and levels are None
(no data). Organic post figures read the daily rollup (``ResultDay``), never the snapshots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Trunc

from approvals import selectors as approvals
from content import selectors as content
from media import selectors as media
from results import catalogue
from results.measures import ENGAGEMENTS, Median, Minutes, percent
from results.models import ChannelDay, ResultDay
from results.periods import local_midnight, next_period

Series = dict[date, Decimal | None]

# A period kind that is one arbitrary range of days (``Ask.range_end`` gives its end).
RANGE = "range"


@dataclass(frozen=True)
class Ask:
    """One series: ``metric`` (optionally for one slice) for the consecutive periods of
    ``kind`` starting at ``starts`` (oldest first), or, with kind "range", for the one range
    of days [starts[0], range_end)."""

    metric: str
    kind: str
    starts: tuple[date, ...]
    scope_kind: str = ""
    scope_value: str = ""
    range_end: date | None = None

    @property
    def end(self) -> date:
        if self.kind == RANGE and self.range_end:
            return self.range_end
        return next_period(self.starts[-1], self.kind)


# What one query computes for one ask: (measure, scope kind, scope value). A measure is a
# catalogue metric, or a part of one (the AI cost of ai_cost_per_post).
Part = tuple[str, str, str]
# The query that answers parts: (source, period kind, first day, end day).
Group = tuple[str, str, date, date]
Found = dict[Part, dict[date, Any]]

AI_COST = "ai_cost"


def _parts(ask: Ask) -> list[tuple[str, Part]]:
    """(source, part) of each figure the ask needs."""
    metric, scope = ask.metric, (ask.scope_kind, ask.scope_value)
    spec = catalogue.CATALOGUE[metric]
    if metric == "ai_cost_per_post":
        # Cost over posts published, brand-wide.
        return [("jobs", (AI_COST, "", "")), ("published", ("posts_published", "", ""))]
    if metric == "posts_published":
        return [("published", (metric, *scope))]
    if spec.source == catalogue.POSTS:
        return [("days", (metric, *scope))]
    if metric in ("followers", "follower_growth"):
        return [("followers", (metric, *scope))]
    if spec.source == catalogue.CHANNELS:
        return [("channel_days", (metric, *scope))]
    if spec.source == catalogue.INBOX:
        return [("inbox", (metric, *scope))]
    if spec.source == catalogue.APPROVALS:
        return [("approvals", (metric, "", ""))]
    if metric == "novelty_rejections":
        return [("novelty", (metric, "", ""))]
    return [("paid", (metric, "", ""))]


def series_many(
    *, asks: list[Ask], tz: ZoneInfo, now: datetime, reply_deadline_minutes: int = 60
) -> list[Series]:
    """Each ask's series, in the order asked; one grouped query per source and range of
    periods, whatever the number of asks."""
    wanted: dict[Group, set[Part]] = defaultdict(set)
    for ask in asks:
        for source, part in _parts(ask):
            wanted[(source, ask.kind, ask.starts[0], ask.end)].add(part)
    found: dict[Group, Found] = {}
    for group, parts in wanted.items():
        source, kind, first, end = group
        ordered = sorted(parts)
        if source == "followers":
            found[group] = _followers(ordered, kind, first, end)
            continue
        rows, bucket_field, bucket_tz, measure = _SOURCES[source](
            first=first, end=end, tz=tz, now=now, deadline_minutes=reply_deadline_minutes
        )
        bucket: Any = (
            Value(first, output_field=DateField())
            if kind == RANGE
            else Trunc(bucket_field, kind, output_field=DateField(), tzinfo=bucket_tz)
        )
        found[group] = _grouped(rows, bucket, {part: measure(part) for part in ordered})
    return [_answer(ask, found) for ask in asks]


def _answer(ask: Ask, found: dict[Group, Found]) -> Series:
    """The ask's series from what the queries found."""
    values = {
        part: found[(source, ask.kind, ask.starts[0], ask.end)][part]
        for source, part in _parts(ask)
    }
    if ask.metric == "ai_cost_per_post":
        cost = _collect(values[(AI_COST, "", "")], ask.starts, total=True)
        published = _collect(values[("posts_published", "", "")], ask.starts, total=True)
        return {
            start: (cost[start] / published[start]).quantize(Decimal("0.000001"))  # type: ignore[operator]
            if published[start]
            else None
            for start in ask.starts
        }
    [found_values] = values.values()
    total = catalogue.CATALOGUE[ask.metric].behaves == catalogue.TOTAL
    return _collect(found_values, ask.starts, total=total)


def _collect(found: dict[date, Any], starts: tuple[date, ...], *, total: bool) -> Series:
    out: Series = {}
    for start in starts:
        value = found.get(start)
        if value is None and total:
            value = 0
        out[start] = None if value is None else Decimal(str(value))
    return out


def _grouped(rows: QuerySet[Any], bucket: Any, measures: dict[Part, Any]) -> Found:
    """One query: the rows grouped by period, one aggregate per part."""
    names = {f"v{i}": part for i, part in enumerate(measures)}
    grouped = (
        rows.order_by()
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(**{name: measures[part] for name, part in names.items()})
    )
    found: Found = {part: {} for part in measures}
    for row in grouped:
        for name, part in names.items():
            found[part][row["bucket"]] = row[name]
    return found


# A source: (rows in the range, the field that dates them, the time zone its periods are cut
# in — None for brand-local days —, the aggregate of a part).
Source = tuple[QuerySet[Any], str, ZoneInfo | None, Callable[[Part], Any]]


def _days(*, first: date, end: date, **_: Any) -> Source:
    def measure(part: Part) -> Any:
        metric, kind, value = part
        only = _day_scope(kind, value)
        if metric == "engagements":
            return Sum(ENGAGEMENTS, filter=only)
        if metric == "engagement_rate":
            return percent(Sum(ENGAGEMENTS, filter=only), Sum("impressions", filter=only))
        if metric == "click_through_rate":
            return percent(Sum("link_clicks", filter=only), Sum("impressions", filter=only))
        return Sum(metric, filter=only)

    return ResultDay.objects.filter(day__gte=first, day__lt=end), "day", None, measure


def _day_scope(kind: str, value: str) -> Q | None:
    if kind == "channel":
        return Q(channel_id=int(value))
    if kind == "audience":
        return Q(audience_id=int(value))
    if kind == "campaign":
        return Q(campaign=value)
    if kind == "pillar":
        return Q(pillar_id=int(value))
    return None


def _published(*, first: date, end: date, tz: ZoneInfo, **_: Any) -> Source:
    posts = content.drafts().filter(
        kind="post",
        status="published",
        published_at__gte=local_midnight(first, tz),
        published_at__lt=local_midnight(end, tz),
    )

    def measure(part: Part) -> Any:
        _metric, kind, value = part
        only = None
        if kind == "channel":
            only = Q(channel_id=int(value))
        elif kind == "audience":
            only = Q(audience_id=int(value))
        elif kind == "campaign":
            only = Q(brief__campaign=value)
        elif kind == "pillar":
            only = Q(brief__pillar_id=int(value))
        return Count("id", filter=only)

    return posts, "published_at", tz, measure


def _channel_days(*, first: date, end: date, **_: Any) -> Source:
    def measure(part: Part) -> Any:
        metric, kind, value = part
        only = Q(channel_id=int(value)) if kind == "channel" else None
        if metric == "negative_mention_share":
            sentiment = F("positive_mentions") + F("neutral_mentions") + F("negative_mentions")
            return percent(Sum("negative_mentions", filter=only), Sum(sentiment, filter=only))
        return Sum(metric, filter=only)

    return ChannelDay.objects.filter(day__gte=first, day__lt=end), "day", None, measure


def _followers(parts: list[Part], kind: str, first: date, end: date) -> Found:
    """Levels and day-to-day changes need each channel's previous reported day, which may lie
    before the range: a window over the channels' days, filtered afterwards. Both windows are
    per channel, so a channel's figures do not depend on the other channels' rows."""
    table = ChannelDay._meta.db_table
    # The period kind is one of ours (never user text); a range is one bucket.
    bucket = f"'{first.isoformat()}'::date" if kind == RANGE else f"date_trunc('{kind}', day)::date"
    columns, params = [], []
    for metric, scope_kind, scope_value in parts:
        if metric == "followers":
            value, condition = "followers", "last_in_bucket"
        else:
            value, condition = "followers - previous", "previous IS NOT NULL"
        if scope_kind == "channel":
            condition += " AND channel_id = %s"
            params.append(int(scope_value))
        columns.append(f"SUM({value}) FILTER (WHERE {condition})")
    sql = f"""
        SELECT bucket, {", ".join(columns)} FROM (
            SELECT {bucket} AS bucket, day, channel_id, followers,
                LAG(followers) OVER (PARTITION BY channel_id ORDER BY day) AS previous,
                ROW_NUMBER() OVER (
                    PARTITION BY channel_id, {bucket} ORDER BY day DESC
                ) = 1 AS last_in_bucket
            FROM {table} WHERE day < %s
        ) d WHERE day >= %s GROUP BY bucket
    """
    found: Found = {part: {} for part in parts}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, end, first])
        for start, *values in cursor.fetchall():
            for part, value in zip(parts, values, strict=True):
                found[part][start] = value
    return found


def inbox_waits(*, start_at: datetime, end_at: datetime) -> QuerySet[Any]:
    """Inbox items received in [start_at, end_at), each with the time of its first published
    reply (``first_reply``, NULL while unanswered) and how long that took (``wait``)."""
    first_reply = (
        content.drafts()
        .filter(inbox_item=OuterRef("pk"), kind="reply", status="published")
        .order_by("published_at")
        .values("published_at")[:1]
    )
    return (
        content.inbox_items()
        .filter(received_at__gte=start_at, received_at__lt=end_at)
        .annotate(first_reply=Subquery(first_reply))
        .annotate(wait=ExpressionWrapper(F("first_reply") - F("received_at"), DurationField()))
    )


def _inbox(
    *, first: date, end: date, tz: ZoneInfo, now: datetime, deadline_minutes: int, **_: Any
) -> Source:
    items = inbox_waits(start_at=local_midnight(first, tz), end_at=local_midnight(end, tz))
    deadline = Value(timedelta(minutes=deadline_minutes), output_field=DurationField())
    answered = Q(first_reply__isnull=False)
    # Answered items, and unanswered ones whose deadline has passed (they are late).
    judged = answered | Q(received_at__lte=now - timedelta(minutes=deadline_minutes))
    in_time = answered & Q(wait__lte=deadline)

    def measure(part: Part) -> Any:
        metric, kind, value = part
        only = Q(channel_id=int(value)) if kind == "channel" else Q()
        if metric == "median_reply_minutes":
            return Median(Minutes(F("wait")), filter=answered & only)
        return percent(Count("pk", filter=in_time & only), Count("pk", filter=judged & only))

    return items, "received_at", tz, measure


def _approvals(*, first: date, end: date, tz: ZoneInfo, **_: Any) -> Source:
    requests = approvals.approval_requests().filter(
        status__in=["approved", "rejected", "changes_requested"],
        finished_at__gte=local_midnight(first, tz),
        finished_at__lt=local_midnight(end, tz),
    )

    def measure(part: Part) -> Any:
        subject = part[0].rsplit("_", 1)[1]
        return Median(Minutes(F("finished_at") - F("created_at")), filter=Q(subject_kind=subject))

    return requests, "finished_at", tz, measure


def _novelty(*, first: date, end: date, tz: ZoneInfo, **_: Any) -> Source:
    drafts = content.drafts().filter(
        novelty__too_similar=True,
        created_at__gte=local_midnight(first, tz),
        created_at__lt=local_midnight(end, tz),
    )
    return drafts, "created_at", tz, lambda part: Count("id")


def _jobs(*, first: date, end: date, tz: ZoneInfo, **_: Any) -> Source:
    jobs = content.jobs().filter(
        created_at__gte=local_midnight(first, tz), created_at__lt=local_midnight(end, tz)
    )
    return jobs, "created_at", tz, lambda part: Sum("cost_estimate")


PAID = {
    "paid_impressions": "impressions",
    "paid_engagements": "engagements",
    "paid_clicks": "clicks",
}


def _paid(*, first: date, end: date, tz: ZoneInfo, **_: Any) -> Source:
    snapshots = media.snapshots().filter(
        period_start__gte=local_midnight(first, tz), period_start__lt=local_midnight(end, tz)
    )

    def measure(part: Part) -> Any:
        if part[0] == "paid_results":
            return Sum(media.RESULTS_OF_OBJECTIVE)
        return Sum(PAID[part[0]])

    return snapshots, "period_start", tz, measure


_SOURCES: dict[str, Callable[..., Source]] = {
    "days": _days,
    "published": _published,
    "channel_days": _channel_days,
    "inbox": _inbox,
    "approvals": _approvals,
    "novelty": _novelty,
    "jobs": _jobs,
    "paid": _paid,
}
