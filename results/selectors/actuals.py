"""A catalogue metric's value per period, computed in the database from stored data.

Each source answers one grouped query per KPI: ``{period start: value}`` over a range of whole
periods. Totals of periods with no rows are 0; rates, medians and levels are None (no data).
Organic post figures read the daily rollup (``ResultDay``), never the snapshots themselves.
"""

from __future__ import annotations

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


POST_VALUES: dict[str, Any] = {
    **{name: Sum(name) for name in ("impressions", "reach", "reactions", "comments")},
    **{name: Sum(name) for name in ("shares", "saves", "link_clicks", "video_views")},
    "engagements": Sum(ENGAGEMENTS),
    "engagement_rate": percent(Sum(ENGAGEMENTS), Sum("impressions")),
    "click_through_rate": percent(Sum("link_clicks"), Sum("impressions")),
}


# A period kind that is one arbitrary range of days (``range_end`` gives its end).
RANGE = "range"


def _bucket(field: str, kind: str, tz: ZoneInfo | None, first: date | None = None) -> Any:
    if kind == RANGE:
        return Value(first, output_field=DateField())
    return Trunc(field, kind, output_field=DateField(), tzinfo=tz)


def _collect(rows: QuerySet[Any], starts: list[date], *, total: bool) -> Series:
    found = {row["bucket"]: row["value"] for row in rows}
    series: Series = {}
    for start in starts:
        value = found.get(start)
        if value is None and total:
            value = 0
        series[start] = None if value is None else Decimal(str(value))
    return series


def series(
    *,
    metric: str,
    scope_kind: str,
    scope_value: str,
    kind: str,
    starts: list[date],
    tz: ZoneInfo,
    now: datetime,
    reply_deadline_minutes: int = 60,
    range_end: date | None = None,
) -> Series:
    """The metric's value for each period starting at ``starts`` (consecutive, oldest first),
    or, with ``kind`` "range", for the one range of days [starts[0], range_end)."""
    spec = catalogue.CATALOGUE[metric]
    first = starts[0]
    end = range_end if kind == RANGE and range_end else next_period(starts[-1], kind)
    start_at, end_at = local_midnight(first, tz), local_midnight(end, tz)
    total = spec.behaves == catalogue.TOTAL
    scope = (scope_kind, scope_value)
    rows: Any  # a different model's grouped rows in each branch
    if spec.source == catalogue.POSTS and metric != "posts_published":
        rows = _scoped_days(scope).filter(day__gte=first, day__lt=end)
        rows = rows.order_by().annotate(bucket=_bucket("day", kind, None, first)).values("bucket")
        return _collect(rows.annotate(value=POST_VALUES[metric]), starts, total=total)
    if metric == "posts_published":
        posts = _scoped_posts(scope).filter(published_at__gte=start_at, published_at__lt=end_at)
        rows = (
            posts.order_by()
            .annotate(bucket=_bucket("published_at", kind, tz, first))
            .values("bucket")
        )
        return _collect(rows.annotate(value=Count("id")), starts, total=True)
    if spec.source == catalogue.CHANNELS:
        return _channel_series(metric, scope, kind, starts, first, end)
    if spec.source == catalogue.INBOX:
        return _inbox_series(
            metric, scope, kind, starts, start_at, end_at, tz, now, reply_deadline_minutes
        )
    if spec.source == catalogue.APPROVALS:
        subject = metric.rsplit("_", 1)[1]
        requests = approvals.approval_requests().filter(
            subject_kind=subject,
            status__in=["approved", "rejected", "changes_requested"],
            finished_at__gte=start_at,
            finished_at__lt=end_at,
        )
        rows = (
            requests.order_by()
            .annotate(bucket=_bucket("finished_at", kind, tz, first))
            .values("bucket")
        )
        value = Median(Minutes(F("finished_at") - F("created_at")))
        return _collect(rows.annotate(value=value), starts, total=False)
    if metric == "novelty_rejections":
        drafts = content.drafts().filter(
            novelty__too_similar=True, created_at__gte=start_at, created_at__lt=end_at
        )
        rows = (
            drafts.order_by()
            .annotate(bucket=_bucket("created_at", kind, tz, first))
            .values("bucket")
        )
        return _collect(rows.annotate(value=Count("id")), starts, total=True)
    if metric == "ai_cost_per_post":
        jobs = content.jobs().filter(created_at__gte=start_at, created_at__lt=end_at)
        cost = _collect(
            jobs.order_by()
            .annotate(bucket=_bucket("created_at", kind, tz, first))
            .values("bucket")
            .annotate(value=Sum("cost_estimate")),
            starts,
            total=True,
        )
        posts = _scoped_posts(("", "")).filter(published_at__gte=start_at, published_at__lt=end_at)
        published = _collect(
            posts.order_by()
            .annotate(bucket=_bucket("published_at", kind, tz, first))
            .values("bucket")
            .annotate(value=Count("id")),
            starts,
            total=True,
        )
        return {
            start: (cost[start] / published[start]).quantize(Decimal("0.000001"))  # type: ignore[operator]
            if published[start]
            else None
            for start in starts
        }
    return _paid_series(metric, kind, starts, start_at, end_at, tz)


def _scoped_days(scope: tuple[str, str]) -> QuerySet[ResultDay]:
    rows = ResultDay.objects.all()
    kind, value = scope
    if kind == "channel":
        rows = rows.filter(channel_id=int(value))
    elif kind == "audience":
        rows = rows.filter(audience_id=int(value))
    elif kind == "campaign":
        rows = rows.filter(campaign=value)
    return rows


def _scoped_posts(scope: tuple[str, str]) -> QuerySet[Any]:
    posts = content.drafts().filter(kind="post", status="published")
    kind, value = scope
    if kind == "channel":
        posts = posts.filter(channel_id=int(value))
    elif kind == "audience":
        posts = posts.filter(audience_id=int(value))
    elif kind == "campaign":
        posts = posts.filter(brief__campaign=value)
    return posts


def _channel_series(
    metric: str, scope: tuple[str, str], kind: str, starts: list[date], first: date, end: date
) -> Series:
    if metric in ("followers", "follower_growth"):
        # Levels and day-to-day changes need each channel's previous reported day, which may
        # lie before the range: a window over the channel's days, filtered afterwards.
        table = ChannelDay._meta.db_table
        channel_filter = "AND channel_id = %s" if scope[0] == "channel" else ""
        params: list[Any] = [end]
        if scope[0] == "channel":
            params.append(int(scope[1]))
        # The period kind is one of ours (never user text); a range is one bucket.
        bucket = (
            f"'{first.isoformat()}'::date" if kind == RANGE else f"date_trunc('{kind}', day)::date"
        )
        if metric == "followers":
            value = "SUM(followers) FILTER (WHERE last_in_bucket)"
        else:
            value = "SUM(followers - previous) FILTER (WHERE previous IS NOT NULL)"
        sql = f"""
            SELECT bucket, {value} FROM (
                SELECT {bucket} AS bucket, day, followers,
                    LAG(followers) OVER (PARTITION BY channel_id ORDER BY day) AS previous,
                    ROW_NUMBER() OVER (
                        PARTITION BY channel_id, {bucket} ORDER BY day DESC
                    ) = 1 AS last_in_bucket
                FROM {table} WHERE day < %s {channel_filter}
            ) d WHERE day >= %s GROUP BY bucket
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, first])
            found = dict(cursor.fetchall())
        return {
            start: (
                Decimal(found[start])
                if found.get(start) is not None
                else (Decimal(0) if metric == "follower_growth" else None)
            )
            for start in starts
        }
    rows = ChannelDay.objects.filter(day__gte=first, day__lt=end)
    if scope[0] == "channel":
        rows = rows.filter(channel_id=int(scope[1]))
    grouped = rows.order_by().annotate(bucket=_bucket("day", kind, None, first)).values("bucket")
    if metric == "negative_mention_share":
        sentiment = F("positive_mentions") + F("neutral_mentions") + F("negative_mentions")
        value = percent(Sum("negative_mentions"), Sum(sentiment))
        return _collect(grouped.annotate(value=value), starts, total=False)
    return _collect(grouped.annotate(value=Sum(metric)), starts, total=True)


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


def _inbox_series(
    metric: str,
    scope: tuple[str, str],
    kind: str,
    starts: list[date],
    start_at: datetime,
    end_at: datetime,
    tz: ZoneInfo,
    now: datetime,
    deadline_minutes: int,
) -> Series:
    first = starts[0]
    items = inbox_waits(start_at=start_at, end_at=end_at)
    if scope[0] == "channel":
        items = items.filter(channel_id=int(scope[1]))
    rows = items.annotate(bucket=_bucket("received_at", kind, tz, first)).values("bucket")
    if metric == "median_reply_minutes":
        value = Median(Minutes(F("wait")), filter=Q(first_reply__isnull=False))
        return _collect(rows.annotate(value=value), starts, total=False)
    deadline = Value(timedelta(minutes=deadline_minutes), output_field=DurationField())
    # Answered items, and unanswered ones whose deadline has passed (they are late).
    judged = Q(first_reply__isnull=False) | Q(
        received_at__lte=now - timedelta(minutes=deadline_minutes)
    )
    in_time = Q(first_reply__isnull=False) & Q(wait__lte=deadline)
    value = percent(Count("pk", filter=in_time), Count("pk", filter=judged))
    return _collect(rows.annotate(value=value), starts, total=False)


def _paid_series(
    metric: str,
    kind: str,
    starts: list[date],
    start_at: datetime,
    end_at: datetime,
    tz: ZoneInfo,
) -> Series:
    first = starts[0]
    field = {
        "paid_impressions": Sum("impressions"),
        "paid_engagements": Sum("engagements"),
        "paid_clicks": Sum("clicks"),
        "paid_results": Sum(media.RESULTS_OF_OBJECTIVE),
    }[metric]
    rows = (
        media.snapshots()
        .filter(period_start__gte=start_at, period_start__lt=end_at)
        .order_by()
        .annotate(bucket=_bucket("period_start", kind, tz, first))
        .values("bucket")
        .annotate(value=field)
    )
    return _collect(rows, starts, total=True)
