"""The evidence for a crisis warning (negative signals against the brand's baseline) and the
warnings raised."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Count, F, FloatField, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncHour

from listening.errors import NotFound
from listening.models import CrisisWarning, Signal, SignalKind
from listening.severity import Evidence, z_score

WINDOW_MINUTES = 60
BASELINE_DAYS = 28
# A ``reach`` attribute counts only when it is a JSON number.
_REACH = RawSQL(
    "CASE WHEN jsonb_typeof(attributes -> 'reach') = 'number' "
    "THEN (attributes ->> 'reach')::float8 END",
    [],
    output_field=FloatField(),
)


def negative_signals() -> QuerySet[Signal]:
    """Mentions and sentiment readings scored negative (on Brandroom's own posts too: a storm
    under the brand's post is exactly what to warn about)."""
    return Signal.objects.filter(
        kind__in=[SignalKind.MENTION, SignalKind.SENTIMENT], sentiment__lt=0
    )


def negative_evidence(*, now: datetime, window_minutes: int = WINDOW_MINUTES) -> Evidence:
    """Negative signals in the last ``window_minutes`` against their hourly rate over the 28
    days before: count, z-score, sources and reach (three grouped queries)."""
    start = now - timedelta(minutes=window_minutes)
    recent = negative_signals().filter(observed_at__gt=start, observed_at__lte=now)
    totals = recent.aggregate(n=Count("id"), reach=Coalesce(Sum(_REACH), 0.0))
    sources = sorted(set(recent.values_list("source", flat=True).distinct()))
    hours = BASELINE_DAYS * 24
    hourly = [
        n
        for n in negative_signals()
        .filter(observed_at__gt=start - timedelta(hours=hours), observed_at__lte=start)
        .annotate(hour=TruncHour("observed_at"))
        .values("hour")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    ]
    # Hours without a negative signal count as zeros.
    mean = sum(hourly) / hours
    variance = (sum(n * n for n in hourly) / hours) - mean * mean
    std = math.sqrt(max(variance, 0.0))
    current = int(totals["n"])
    return Evidence(
        window_minutes=window_minutes,
        negative=current,
        baseline_mean=round(mean, 3),
        baseline_std=round(std, 3),
        z_score=round(z_score(current=current, mean=mean, std=std), 2),
        sources=sources,
        reach=float(totals["reach"]),
    )


def crisis_warnings() -> QuerySet[CrisisWarning]:
    """The brand's crisis warnings, newest first."""
    return CrisisWarning.objects.order_by("-raised_at", "-pk")


def open_warning() -> CrisisWarning | None:
    """The warning waiting for a decision, if any."""
    return CrisisWarning.objects.filter(status=CrisisWarning.Status.OPEN).first()


def last_dismissed(*, since: datetime) -> CrisisWarning | None:
    """The most recent warning dismissed after ``since``."""
    return (
        CrisisWarning.objects.filter(status=CrisisWarning.Status.DISMISSED, decided_at__gt=since)
        .order_by(F("decided_at").desc())
        .first()
    )


def get_warning(*, warning_id: int) -> CrisisWarning:
    """One warning, or a 404."""
    found = CrisisWarning.objects.filter(pk=warning_id).first()
    if found is None:
        raise NotFound(f"There is no crisis warning {warning_id}.")
    return found
