"""Metric snapshots from integrators, and the checks each one triggers: cap reached (which
pauses the boost), overspend and under-delivery against the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from media import pacing, selectors
from media.errors import MediaError, TransitionRefused
from media.models import Boost, BoostAlert, MetricSnapshot
from media.money import format_money
from media.services.alerts import raise_alert
from media.services.boosts import lock_boost, move_boost
from tenants.models import Brand

METRICS = ["impressions", "reach", "clicks", "engagements", "conversions", "spend"]


@dataclass(frozen=True)
class SnapshotResult:
    snapshot: MetricSnapshot
    created: bool  # False when the period was reported before and has been replaced
    boost: Boost


def record_snapshot(
    *,
    brand: Brand,
    boost_id: int,
    period_start: datetime,
    period_end: datetime,
    impressions: int = 0,
    reach: int = 0,
    clicks: int = 0,
    engagements: int = 0,
    conversions: int = 0,
    spend: Decimal = Decimal(0),
    now: datetime | None = None,
) -> SnapshotResult:
    """Store an integrator's results for one boost and period; the same period again replaces
    the earlier figures (an upsert on the period), so nothing is counted twice; a period must
    overlap the boost's schedule. Then checks
    caps and pacing, pausing the boost when spend has reached its cap."""
    now = now or timezone.now()
    if timezone.is_naive(period_start) or timezone.is_naive(period_end):
        raise MediaError("Give the period with a time zone offset.", field="period_start")
    if period_end <= period_start:
        raise MediaError("The period must end after it starts.", field="period_end")
    if period_start >= now:
        raise MediaError("The period has not started yet.", field="period_start")
    if spend < 0:
        raise MediaError("Spend cannot be negative.", field="spend")
    with transaction.atomic():
        # The boost row lock serialises snapshots of one boost: the overlap check, the upsert
        # and the cap check below see each other's results.
        boost = lock_boost(boost_id=boost_id)
        if boost.status not in selectors.DELIVERED_STATUSES:
            raise TransitionRefused(
                f"Boost {boost_id} is {boost.status}; results arrive only for boosts that "
                "have run (active, paused or completed).",
                field="status",
            )
        # A period that only partly overlaps the schedule is fine (networks report whole
        # days); one entirely outside it cannot be the boost's results.
        if period_end <= boost.starts_at:
            raise MediaError(
                f"The period ends before the boost started ({boost.starts_at.isoformat()}).",
                field="period_end",
            )
        if period_start >= boost.ends_at:
            raise MediaError(
                f"The period starts after the boost ended ({boost.ends_at.isoformat()}).",
                field="period_start",
            )
        periods = MetricSnapshot.objects.filter(boost_id=boost_id)
        if (
            periods.filter(period_start__lt=period_end, period_end__gt=period_start)
            .exclude(period_start=period_start, period_end=period_end)
            .exists()
        ):
            raise MediaError(
                "This period overlaps a different period already reported for the boost; "
                "send the same period again to replace it.",
                field="period_start",
            )
        created = not periods.filter(period_start=period_start, period_end=period_end).exists()
        values = {
            "impressions": impressions,
            "reach": reach,
            "clicks": clicks,
            "engagements": engagements,
            "conversions": conversions,
            "spend": spend,
        }
        MetricSnapshot.objects.bulk_create(
            [
                MetricSnapshot(
                    boost_id=boost_id, period_start=period_start, period_end=period_end, **values
                )
            ],
            update_conflicts=True,
            unique_fields=["boost", "period_start", "period_end"],
            update_fields=[*METRICS, "updated_at"],
        )
        snapshot = periods.get(period_start=period_start, period_end=period_end)
        boost = check_boost_spend(brand=brand, boost=boost, now=now, day_of=period_start)
    return SnapshotResult(snapshot=snapshot, created=created, boost=boost)


def check_boost_spend(*, brand: Brand, boost: Boost, now: datetime, day_of: datetime) -> Boost:
    """Raise alerts for the boost's spend and pause it when spend reached a cap. Call with the
    boost row locked."""
    tz = ZoneInfo(brand.timezone)
    spend = selectors.spend_of(boost_id=boost.pk)
    local_day = day_of.astimezone(tz).date()
    pause_note = ""
    if spend >= boost.budget_total:
        past = spend > boost.budget_total
        pause_note = (
            f"Spend {format_money(spend, boost.currency)} "
            + ("went past" if past else "reached")
            + f" the total budget of {format_money(boost.budget_total, boost.currency)}"
        )
        raise_alert(
            brand=brand,
            boost=boost,
            kind=BoostAlert.Kind.CAP_REACHED,
            key="total",
            message=pause_note + ("; the boost was paused." if boost.status == "active" else "."),
        )
    elif boost.daily_cap is not None:
        # A snapshot counts for the brand-local day its period starts in.
        day_start = datetime.combine(local_day, time.min, tzinfo=tz)
        day_end = datetime.combine(local_day + timedelta(days=1), time.min, tzinfo=tz)
        day_spend = MetricSnapshot.objects.filter(
            boost_id=boost.pk, period_start__gte=day_start, period_start__lt=day_end
        ).aggregate(s=Sum("spend", default=Decimal(0)))["s"]
        if day_spend > boost.daily_cap:
            pause_note = (
                f"Spend on {local_day:%Y-%m-%d} of {format_money(day_spend, boost.currency)} went "
                f"past the daily cap of {format_money(boost.daily_cap, boost.currency)}"
            )
            raise_alert(
                brand=brand,
                boost=boost,
                kind=BoostAlert.Kind.CAP_REACHED,
                key=f"daily:{local_day:%Y-%m-%d}",
                message=pause_note
                + ("; the boost was paused." if boost.status == "active" else "."),
            )
    if pause_note and boost.status == Boost.Status.ACTIVE:
        return move_boost(
            boost_id=boost.pk,
            to=Boost.Status.PAUSED,
            allowed_from=[Boost.Status.ACTIVE],
            pause_reason=Boost.PauseReason.CAP_REACHED,
            status_note=pause_note + "; paused so it spends no more.",
        )
    if boost.status != Boost.Status.ACTIVE or pause_note:
        return boost
    settings = selectors.media_settings()
    result = pacing.pacing(
        selectors.schedule_of(boost=boost, tz=tz),
        spend=spend,
        now=now,
        tolerance=Decimal(settings.pacing_tolerance_percent) / 100,
    )
    today = f"{now.astimezone(tz).date():%Y-%m-%d}"
    if result.status == pacing.PacingStatus.OVERSPENDING:
        raise_alert(
            brand=brand,
            boost=boost,
            kind=BoostAlert.Kind.OVERSPEND,
            key=today,
            message=f"Spend {format_money(result.spend, boost.currency)} is ahead of the "
            f"{format_money(result.expected_spend, boost.currency)} the schedule expects by now; "
            "projected end spend "
            f"{format_money(result.projected_end_spend or spend, boost.currency)}"
            f" against a budget of {format_money(boost.budget_total, boost.currency)}.",
        )
    elif result.status == pacing.PacingStatus.UNDER_DELIVERING:
        raise_alert(
            brand=brand,
            boost=boost,
            kind=BoostAlert.Kind.UNDER_DELIVERY,
            key=today,
            message=f"Spend {format_money(result.spend, boost.currency)} is behind the "
            f"{format_money(result.expected_spend, boost.currency)} the schedule expects by now.",
        )
    return boost
