"""What planning lends listening's triggers: the plan's calendar, and (as the app above both
results and listening, which may not import each other) how a results KPI stands."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from listening.extensions import CalendarEvent, KpiReading
from planning.models import Campaign
from results.selectors.kpis import kpi_report, kpis
from tenants.selectors import current_brand


def calendar_between(first: date, last: date) -> list[CalendarEvent]:
    """The campaigns and calendar events overlapping ``first`` to ``last``, earliest first."""
    rows = Campaign.objects.filter(starts_on__lte=last, ends_on__gte=first).order_by(
        "starts_on", "id"
    )
    return [
        CalendarEvent(
            id=row.pk, name=row.name, kind=row.kind, starts_on=row.starts_on, ends_on=row.ends_on
        )
        for row in rows
    ]


def event_exists(event_id: int) -> bool:
    return Campaign.objects.filter(pk=event_id).exists()


def kpi_reading(kpi_id: int, now: datetime) -> KpiReading | None:
    """The KPI's period running at ``now`` as results judges it (its projection for totals)."""
    kpi = kpis().filter(pk=kpi_id).first()
    if kpi is None:
        return None
    report = kpi_report(kpi=kpi, tz=ZoneInfo(current_brand().timezone), now=now, history=1)
    period = report.now
    return KpiReading(
        id=kpi.pk,
        name=kpi.name,
        metric=kpi.metric,
        period=kpi.period,
        period_start=period.start,
        period_end=period.end,
        value=period.projected if period.projected is not None else period.actual,
        target=period.target,
        direction=period.direction,
    )
