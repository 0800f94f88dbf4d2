"""KPIs with their actuals per period, targets in force, status, projection and trend."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from content import selectors as content_selectors
from results import catalogue
from results.models import Department, DepartmentMember, Kpi, KpiTarget
from results.periods import (
    DEFAULT_HISTORY,
    local_midnight,
    next_period,
    periods_back,
)
from results.selectors.actuals import Ask, Series, series_many

# How far past the target (as a share of it) a KPI may be and still be "at risk", not off.
AT_RISK_BAND = Decimal("0.10")
PLACES = Decimal("0.0001")


def departments() -> QuerySet[Department]:
    """The brand's departments with their members."""
    return Department.objects.prefetch_related("members").order_by("name")


def department_members(*, department_id: int) -> QuerySet[DepartmentMember]:
    """Who sits for one department."""
    return DepartmentMember.objects.filter(department_id=department_id).order_by("id")


def kpis() -> QuerySet[Kpi]:
    """The brand's KPIs with their department and target history."""
    return Kpi.objects.select_related("department").prefetch_related("targets").order_by("id")


def status_of(*, value: Decimal | None, target: Decimal, direction: str) -> str:
    """On track when the value meets the target; at risk within 10% of the target's size
    short of it; off track beyond that; no data without a value."""
    if value is None:
        return Kpi.Status.NO_DATA
    band = abs(target) * AT_RISK_BAND
    gap = target - value if direction == Kpi.Direction.AT_LEAST else value - target
    if gap <= 0:
        return Kpi.Status.ON_TRACK
    if gap <= band:
        return Kpi.Status.AT_RISK
    return Kpi.Status.OFF_TRACK


def target_at(*, targets: list[KpiTarget], moment: datetime) -> KpiTarget:
    """The target in force at ``moment``: the last one set before it (the first one for
    periods that ended before the KPI existed)."""
    chosen = targets[0]
    for row in targets:
        if row.set_at < moment:
            chosen = row
    return chosen


@dataclass(frozen=True)
class PeriodActual:
    start: date
    end: date  # first day after the period
    actual: Decimal | None
    target: Decimal
    direction: str
    status: str
    # Current period only: where a total is heading by the period's end (rates: the actual).
    projected: Decimal | None
    current: bool

    @property
    def status_label(self) -> str:
        return self.status.replace("_", " ")


@dataclass(frozen=True)
class KpiReport:
    kpi: Kpi
    metric: catalogue.Metric
    periods: list[PeriodActual]

    @property
    def now(self) -> PeriodActual:
        return self.periods[-1]

    @property
    def variance(self) -> Decimal | None:
        """Projected (or actual) value of the current period minus its target."""
        value = self.now.projected if self.now.projected is not None else self.now.actual
        return None if value is None else (value - self.now.target).quantize(PLACES)

    @property
    def trend(self) -> str | None:
        """up, down or flat: the last complete period against the one before it."""
        done = [p.actual for p in self.periods[:-1] if p.actual is not None]
        if len(done) < 2:
            return None
        if done[-1] > done[-2]:
            return "up"
        return "down" if done[-1] < done[-2] else "flat"


# Before this share of a period has passed, the pace so far says little (a post published in
# the first hour of a month would project a thousandfold).
MIN_SHARE_TO_EXTRAPOLATE = Decimal("0.2")


def _projection(
    actual: Decimal | None,
    previous: Decimal | None,
    metric: catalogue.Metric,
    start: date,
    end: date,
    tz: ZoneInfo,
    now: datetime,
) -> Decimal | None:
    """Where the current period is heading. A total is scaled from the elapsed share of the
    period to the whole of it; in the first fifth of the period the previous period's value
    stands in when it is larger (nothing yet says this one will do worse). Rates, medians and
    levels project as they stand."""
    if actual is None or metric.behaves != catalogue.TOTAL:
        return actual
    opened, closes = local_midnight(start, tz), local_midnight(end, tz)
    share = Decimal((now - opened).total_seconds()) / Decimal((closes - opened).total_seconds())
    if share >= 1:
        return actual
    if share < MIN_SHARE_TO_EXTRAPOLATE:
        return max(actual, previous) if previous is not None else actual
    return (actual / share).quantize(PLACES)


def _starts(kpi: Kpi, today: date, history: int | None) -> tuple[date, ...]:
    return tuple(periods_back(today, kpi.period, history or DEFAULT_HISTORY[kpi.period]))


def _report(
    *, kpi: Kpi, starts: tuple[date, ...], values: Series, tz: ZoneInfo, now: datetime
) -> KpiReport:
    """The KPI judged period by period from its computed values."""
    metric = catalogue.CATALOGUE[kpi.metric]
    targets = sorted(kpi.targets.all(), key=lambda t: (t.set_at, t.pk))
    periods: list[PeriodActual] = []
    for start in starts:
        end = next_period(start, kpi.period)
        current = start == starts[-1]
        in_force = target_at(targets=targets, moment=min(local_midnight(end, tz), now))
        actual = values[start]
        actual = None if actual is None else actual.quantize(PLACES)
        previous = periods[-1].actual if periods else None
        projected = _projection(actual, previous, metric, start, end, tz, now) if current else None
        judged = projected if current else actual
        periods.append(
            PeriodActual(
                start=start,
                end=end,
                actual=actual,
                target=in_force.target,
                direction=in_force.direction,
                status=status_of(
                    value=judged, target=in_force.target, direction=in_force.direction
                ),
                projected=projected,
                current=current,
            )
        )
    return KpiReport(kpi=kpi, metric=metric, periods=periods)


def reports_for(
    *,
    kpis: Iterable[Kpi],
    tz: ZoneInfo,
    now: datetime,
    history: int | None = None,
    reply_deadline_minutes: int | None = None,
) -> list[KpiReport]:
    """Each KPI's actual per period, oldest first, ending with the current (running) period.
    The KPIs are computed together: one grouped query per source and period kind, however
    many KPIs there are (``actuals.series_many``). Targets must be prefetched."""
    kpis = list(kpis)
    today = now.astimezone(tz).date()
    starts = [_starts(kpi, today, history) for kpi in kpis]
    values = series_many(
        asks=[
            Ask(kpi.metric, kpi.period, first, kpi.scope_kind, kpi.scope_value)
            for kpi, first in zip(kpis, starts, strict=True)
        ],
        tz=tz,
        now=now,
        reply_deadline_minutes=(
            reply_deadline_minutes
            if reply_deadline_minutes is not None
            else content_selectors.reply_deadline_minutes()
        ),
    )
    return [
        _report(kpi=kpi, starts=first, values=found, tz=tz, now=now)
        for kpi, first, found in zip(kpis, starts, values, strict=True)
    ]


def kpi_report(
    *,
    kpi: Kpi,
    tz: ZoneInfo,
    now: datetime,
    history: int | None = None,
    reply_deadline_minutes: int | None = None,
) -> KpiReport:
    """One KPI's actual per period, oldest first, ending with the current (running) period."""
    [report] = reports_for(
        kpis=[kpi],
        tz=tz,
        now=now,
        history=history,
        reply_deadline_minutes=reply_deadline_minutes,
    )
    return report


def kpi_reports(*, tz: ZoneInfo, now: datetime, history: int | None = None) -> list[KpiReport]:
    """Every KPI of the brand with its actuals (one grouped query per source and period kind,
    not per KPI)."""
    return reports_for(kpis=kpis(), tz=tz, now=now, history=history)
