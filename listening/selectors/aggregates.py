"""Signals and their windowed aggregates, computed in SQL (the database groups a year of
signals; Python only sees the groups)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import QuerySet

from listening.models import Signal, SignalHour

# What a breakdown may group by, as the API names it, and the column it groups.
GROUPS = {"kind": "kind", "source": "source", "topic": "topic", "audience": "audience_id"}
BUCKETS = ("hour", "day")
HOUR = timedelta(hours=1)


def signals(
    *, kind: str | None = None, source: str | None = None, topic: str | None = None
) -> QuerySet[Signal]:
    """The brand's signals, newest observed first, of one ``kind``, ``source`` or ``topic``
    when given."""
    rows = Signal.objects.order_by("-observed_at", "-pk")
    if kind:
        rows = rows.filter(kind=kind)
    if source:
        rows = rows.filter(source=source)
    if topic:
        rows = rows.filter(topic=topic)
    return rows


def signal_aggregates(
    *,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    bucket: str,
    by: list[str],
    filters: dict[str, Any],
) -> list[dict[str, Any]]:
    """Per time bucket (an hour or a brand-local day from ``start`` up to ``end``) and per
    group in ``by``: how many signals, the sum and mean of their values, their mean sentiment,
    how many were negative and positive, and their share of the bucket's signals (0-1).
    ``filters`` narrows to a ``kind``, ``source``, ``topic`` or ``audience``. Whole hours are
    read from the hourly rollup, the signals themselves only at the period's partial edge hours
    and in hours that do not fall whole into one of ``tz``'s buckets (see ``raw_spans``)."""
    if bucket not in BUCKETS:
        raise ValueError(f"Unknown bucket {bucket!r}")
    groups = [GROUPS[name] for name in by]
    where, where_params = _filters(filters)
    whole_start, whole_end = _ceil_hour(start), _floor_hour(end)
    spans = raw_spans(start=start, end=end, tz=tz)
    parts: list[str] = []
    params: list[Any] = []
    cols = "".join(f", {c}" for c in groups)
    if whole_start < whole_end:
        not_raw = "".join(" AND NOT (hour >= %s AND hour < %s)" for _ in spans)
        parts.append(
            f"SELECT date_trunc(%s, hour AT TIME ZONE %s) AS bucket{cols}, signals AS n,"
            " value_sum AS total, sentiment_count AS n_sentiment, sentiment_sum,"
            " negative AS n_negative, positive AS n_positive"
            f" FROM {SignalHour._meta.db_table}"
            f" WHERE signals > 0 AND hour >= %s AND hour < %s{not_raw}{where}"
        )
        params += [bucket, tz.key, whole_start, whole_end]
        params += [moment for span in spans for moment in span]
        params += where_params
    if spans:
        within = " OR ".join("(observed_at >= %s AND observed_at < %s)" for _ in spans)
        parts.append(
            f"SELECT date_trunc(%s, observed_at AT TIME ZONE %s) AS bucket{cols}, 1 AS n,"
            " value AS total, CASE WHEN sentiment IS NULL THEN 0 ELSE 1 END AS n_sentiment,"
            " coalesce(sentiment, 0) AS sentiment_sum,"
            " CASE WHEN sentiment < 0 THEN 1 ELSE 0 END AS n_negative,"
            " CASE WHEN sentiment > 0 THEN 1 ELSE 0 END AS n_positive"
            f" FROM {Signal._meta.db_table} WHERE ({within}){where}"
        )
        params += [bucket, tz.key]
        params += [moment for span in spans for moment in span]
        params += where_params
    if not parts:
        return []
    order = "".join(f", u.{c}" for c in groups)
    sql = f"""
        SELECT u.bucket{order}, sum(u.n)::bigint, sum(u.total), sum(u.total) / sum(u.n),
            sum(u.sentiment_sum) / nullif(sum(u.n_sentiment), 0),
            sum(u.n_negative)::bigint, sum(u.n_positive)::bigint
        FROM ({" UNION ALL ".join(parts)}) AS u
        GROUP BY u.bucket{order}
        ORDER BY u.bucket{order}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    totals: dict[datetime, int] = {}
    for row in rows:
        totals[row[0]] = totals.get(row[0], 0) + row[len(groups) + 1]
    out = []
    for row in rows:
        n = row[len(groups) + 1]
        total, mean, sentiment, negative, positive = row[len(groups) + 2 :]
        out.append(
            {
                # The brand-local wall time of the bucket's start, as Django's Trunc gives it.
                "bucket": row[0].replace(tzinfo=tz),
                "group": dict(zip(by, row[1 : len(groups) + 1], strict=True)),
                "count": n,
                "sum": total,
                "mean": mean,
                "sentiment": sentiment,
                "negative": negative,
                "positive": positive,
                "share": n / totals[row[0]],
            }
        )
    return out


def _filters(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses = "".join(f" AND {GROUPS[name]} = %s" for name in filters)
    return clauses, list(filters.values())


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def _hour_is_whole(hour: datetime, tz: ZoneInfo) -> bool:
    """True when every instant of the UTC ``hour`` falls in one brand-local hour: the zone's
    offset is a whole number of hours and does not change inside it."""
    offset = hour.astimezone(tz).utcoffset()
    return (
        offset is not None
        and offset.total_seconds() % 3600 == 0
        and (hour + HOUR - timedelta(microseconds=1)).astimezone(tz).utcoffset() == offset
    )


def raw_spans(*, start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The parts of [``start``, ``end``) an aggregate reads from the signals themselves: the
    partial hours at either edge, and any UTC hour that does not fall whole into one
    brand-local hour (every hour in a zone at a half-hour offset, such as Asia/Kolkata, and an
    hour a zone's offset changes inside), where the hourly rollup cannot say which bucket its
    signals belong to. Adjacent spans are merged."""
    whole_start, whole_end = _ceil_hour(start), _floor_hour(end)
    if whole_start >= whole_end:
        return [(start, end)]
    spans: list[tuple[datetime, datetime]] = []

    def add(a: datetime, b: datetime) -> None:
        if a >= b:
            return
        if spans and spans[-1][1] == a:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))

    add(start, whole_start)
    # A day whose offset is whole and the same at both ends is whole hour by hour; only the
    # days a zone's offset changes in (or every day, at a half-hour offset) are walked.
    day = whole_start
    while day < whole_end:
        next_day = min(day + timedelta(days=1), whole_end)
        first, last = day.astimezone(tz).utcoffset(), next_day.astimezone(tz).utcoffset()
        if first == last and first is not None and first.total_seconds() % 3600 == 0:
            day = next_day
            continue
        hour = day
        while hour < next_day:
            if not _hour_is_whole(hour, tz):
                add(hour, hour + HOUR)
            hour += HOUR
        day = next_day
    add(whole_end, end)
    return spans
