"""Signals and their windowed aggregates, computed in SQL (the database groups a year of
signals; Python only sees the groups)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import Trunc

from listening.models import Signal

# What a breakdown may group by, as the API names it, and the column it groups.
GROUPS = {"kind": "kind", "source": "source", "topic": "topic", "audience": "audience_id"}
BUCKETS = ("hour", "day")


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
    ``filters`` narrows to a ``kind``, ``source``, ``topic`` or ``audience``."""
    rows = Signal.objects.filter(observed_at__gte=start, observed_at__lt=end)
    for name, value in filters.items():
        rows = rows.filter(**{GROUPS[name]: value})
    grouped = (
        rows.annotate(bucket=Trunc("observed_at", bucket, tzinfo=tz))
        .values("bucket", *[GROUPS[name] for name in by])
        .annotate(
            # Named apart from the columns: an annotation called ``sentiment`` would take the
            # column's place in the FILTER clauses below.
            n=Count("id"),
            total=Sum("value"),
            mean_value=Avg("value"),
            mean_sentiment=Avg("sentiment"),
            n_negative=Count("id", filter=Q(sentiment__lt=0)),
            n_positive=Count("id", filter=Q(sentiment__gt=0)),
        )
        .order_by("bucket", *[GROUPS[name] for name in by])
    )
    rows_out = list(grouped)
    totals: dict[datetime, int] = {}
    for row in rows_out:
        totals[row["bucket"]] = totals.get(row["bucket"], 0) + row["n"]
    return [
        {
            "bucket": row["bucket"],
            "group": {name: row[GROUPS[name]] for name in by},
            "count": row["n"],
            "sum": row["total"],
            "mean": row["mean_value"],
            "sentiment": row["mean_sentiment"],
            "negative": row["n_negative"],
            "positive": row["n_positive"],
            "share": row["n"] / totals[row["bucket"]],
        }
        for row in rows_out
    ]
