"""Reads over a brand's paid media. Runs inside the brand's schema."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, QuerySet, Sum, When
from django.db.models.functions import Trunc

from media import pacing
from media.models import (
    Boost,
    BoostAlert,
    BoostAsset,
    MediaSettings,
    MetricSnapshot,
    MonthlyBudget,
)
from media.money import round_money

# Boosts that hold money: everything but a cancelled one.
COMMITTED_STATUSES = [s for s in Boost.Status.values if s != Boost.Status.CANCELLED]
# Boosts that will spend no more: of the monthly budget they hold only what they spent.
FINISHED_STATUSES = [Boost.Status.COMPLETED, Boost.Status.CANCELLED]
# Boosts that may have spent money and so may receive results.
DELIVERED_STATUSES = [Boost.Status.ACTIVE, Boost.Status.PAUSED, Boost.Status.COMPLETED]


def media_settings() -> MediaSettings:
    """The brand's media settings (defaults when never saved)."""
    found = MediaSettings.objects.filter(pk=1).first()
    return found or MediaSettings(pk=1)


def boosts() -> QuerySet[Boost]:
    """The brand's boosts."""
    return Boost.objects.all()


def get_boost(*, boost_id: int) -> Boost:
    """One boost (raises Boost.DoesNotExist)."""
    return Boost.objects.get(pk=boost_id)


def boost_assets(*, boost_id: int) -> list[BoostAsset]:
    """The images a boost carries, in order, with their assets; Boost.DoesNotExist for a boost
    that does not exist."""
    if not Boost.objects.filter(pk=boost_id).exists():
        raise Boost.DoesNotExist(f"There is no boost {boost_id}.")
    return list(
        BoostAsset.objects.filter(boost_id=boost_id).select_related("asset").order_by("position")
    )


def snapshots_of(*, boost_id: int) -> QuerySet[MetricSnapshot]:
    """A boost's metric snapshots."""
    return MetricSnapshot.objects.filter(boost_id=boost_id)


def alerts(*, boost_id: int | None = None) -> QuerySet[BoostAlert]:
    """The brand's boost alerts, optionally for one boost."""
    rows = BoostAlert.objects.all()
    return rows if boost_id is None else rows.filter(boost_id=boost_id)


def monthly_budgets() -> QuerySet[MonthlyBudget]:
    """The brand's monthly media budgets."""
    return MonthlyBudget.objects.all()


def schedule_of(*, boost: Boost, tz: ZoneInfo) -> pacing.Schedule:
    """The money-and-time view of a boost for the pacing maths."""
    return pacing.Schedule(
        total=boost.budget_total,
        currency=boost.currency,
        starts_at=boost.starts_at,
        ends_at=boost.ends_at,
        tz=tz,
        daily_cap=boost.daily_cap,
    )


def snapshots() -> QuerySet[MetricSnapshot]:
    """Every metric snapshot of the brand's boosts."""
    return MetricSnapshot.objects.all()


# A snapshot's results as its boost's objective counts them (pacing.RESULT_METRIC, in SQL): the
# one definition of "results" for one boost and for any total over boosts.
RESULTS_OF_OBJECTIVE = Case(
    *[
        When(boost__objective=objective, then=F(metric))
        for objective, metric in pacing.RESULT_METRIC.items()
    ],
    default=0,
)


def spend_of(*, boost_id: int) -> Decimal:
    """Everything the integrators reported the boost has spent (exact, unrounded)."""
    total = MetricSnapshot.objects.filter(boost_id=boost_id).aggregate(s=Sum("spend"))["s"]
    return total or Decimal(0)


def committed_by_month(
    *, currency: str, months: list[date], tz: ZoneInfo, exclude_boost_id: int | None = None
) -> dict[date, Decimal]:
    """Per month, what the brand's boosts in ``currency`` hold of the monthly budget.

    A boost holds its total budget, spread over the months it runs in by schedule days; a
    finished one (completed or cancelled) holds only what it spent, since that money is gone
    whatever became of the boost. A paused boost may resume, so it keeps its whole budget.
    """
    held = dict.fromkeys(months, Decimal(0))
    if not months:
        return held
    window_start = datetime.combine(min(months), datetime.min.time(), tzinfo=tz)
    boosts = Boost.objects.filter(currency=currency, ends_at__gt=window_start)
    if exclude_boost_id is not None:
        boosts = boosts.exclude(pk=exclude_boost_id)
    rows = boosts.annotate(spent=Sum("snapshots__spend"))
    for boost in rows:
        amount = boost.budget_total
        if boost.status in FINISHED_STATUSES:
            amount = boost.spent or Decimal(0)
        if not amount:
            continue
        for month, share in pacing.allocate_by_month(
            schedule_of(boost=boost, tz=tz), amount
        ).items():
            if month in held:
                held[month] += share
    return held


@dataclass(frozen=True)
class BudgetView:
    month: date
    currency: str
    amount: Decimal
    committed: Decimal
    remaining: Decimal


def budget_overview(*, tz: ZoneInfo) -> list[BudgetView]:
    """Each monthly budget with what boosts hold of it and what is left."""
    budgets = list(MonthlyBudget.objects.order_by("month", "currency"))
    by_currency: dict[str, list[date]] = defaultdict(list)
    for budget in budgets:
        by_currency[budget.currency].append(budget.month)
    held = {
        currency: committed_by_month(currency=currency, months=months, tz=tz)
        for currency, months in by_currency.items()
    }
    return [
        BudgetView(
            month=b.month,
            currency=b.currency,
            amount=round_money(b.amount, b.currency),
            committed=round_money(held[b.currency][b.month], b.currency),
            remaining=round_money(b.amount - held[b.currency][b.month], b.currency),
        )
        for b in budgets
    ]


def _totals(rows: QuerySet[MetricSnapshot]) -> dict[str, object]:
    return rows.aggregate(
        impressions=Sum("impressions", default=0),
        reach=Sum("reach", default=0),
        clicks=Sum("clicks", default=0),
        engagements=Sum("engagements", default=0),
        conversions=Sum("conversions", default=0),
        spend=Sum("spend", default=Decimal(0)),
        snapshots=Count("id"),
    )


@dataclass(frozen=True)
class BoostReport:
    boost: Boost
    figures: pacing.Figures
    pacing: pacing.Pacing
    snapshots: int


def boost_report(*, boost: Boost, tz: ZoneInfo, now: datetime) -> BoostReport:
    """A boost's results, figures and pacing as of ``now``."""
    totals = _totals(MetricSnapshot.objects.filter(boost_id=boost.pk))
    spend = Decimal(totals["spend"])  # type: ignore[arg-type]
    settings = media_settings()
    return BoostReport(
        boost=boost,
        figures=pacing.figures(
            objective=boost.objective,
            currency=boost.currency,
            impressions=int(totals["impressions"]),  # type: ignore[call-overload]
            reach=int(totals["reach"]),  # type: ignore[call-overload]
            clicks=int(totals["clicks"]),  # type: ignore[call-overload]
            engagements=int(totals["engagements"]),  # type: ignore[call-overload]
            conversions=int(totals["conversions"]),  # type: ignore[call-overload]
            spend=spend,
        ),
        pacing=pacing.pacing(
            schedule_of(boost=boost, tz=tz),
            spend=spend,
            now=now,
            tolerance=Decimal(settings.pacing_tolerance_percent) / 100,
        ),
        snapshots=int(totals["snapshots"]),  # type: ignore[call-overload]
    )


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    boosts: int
    budget: Decimal
    figures: pacing.Figures


def currency_totals(
    *, period_start: datetime | None = None, period_end: datetime | None = None
) -> list[CurrencyTotals]:
    """Results of all the brand's boosts, one row per currency (amounts never mix currencies).

    With a period, only snapshots whose period starts inside [period_start, period_end) count,
    and only boosts with results in it are listed.
    """
    snaps = MetricSnapshot.objects.all()
    if period_start is not None:
        snaps = snaps.filter(period_start__gte=period_start)
    if period_end is not None:
        snaps = snaps.filter(period_start__lt=period_end)
    per_currency = {
        row["boost__currency"]: row
        for row in snaps.values("boost__currency").annotate(
            # First: the other annotations reuse the column names the Case reads.
            results=Sum(RESULTS_OF_OBJECTIVE),
            boosts=Count("boost", distinct=True),
            impressions=Sum("impressions"),
            reach=Sum("reach"),
            clicks=Sum("clicks"),
            engagements=Sum("engagements"),
            conversions=Sum("conversions"),
            spend=Sum("spend"),
        )
    }
    in_period = period_start is not None or period_end is not None
    boosts_in_scope = Boost.objects.filter(status__in=COMMITTED_STATUSES)
    if in_period:
        boosts_in_scope = boosts_in_scope.filter(pk__in=snaps.values("boost_id"))
    budgets = {
        row["currency"]: row
        for row in boosts_in_scope.values("currency").annotate(
            total=Sum("budget_total"), n=Count("id")
        )
    }
    empty = {
        "boosts": 0,
        "impressions": 0,
        "reach": 0,
        "clicks": 0,
        "engagements": 0,
        "conversions": 0,
        "spend": Decimal(0),
        "results": 0,
    }
    result = []
    for currency in sorted(set(per_currency) | set(budgets)):
        row = per_currency.get(currency, empty)
        budget = budgets.get(currency, {"total": Decimal(0), "n": 0})
        result.append(
            CurrencyTotals(
                currency=currency,
                # Overall: the boosts holding budget; for a period: those with results in it.
                boosts=row["boosts"] if in_period else budget["n"],
                budget=round_money(budget["total"], currency),
                figures=pacing.figures(
                    # Each boost's results as its objective counts them, summed: the same
                    # figure the boost reports show (it once counted conversions only).
                    objective="conversions",
                    currency=currency,
                    impressions=row["impressions"],
                    reach=row["reach"],
                    clicks=row["clicks"],
                    engagements=row["engagements"],
                    conversions=row["conversions"],
                    spend=row["spend"],
                    results=row["results"],
                ),
            )
        )
    return result


@dataclass(frozen=True)
class PeriodTotals:
    period: date
    currency: str
    figures: pacing.Figures


def period_totals(
    *,
    tz: ZoneInfo,
    group: str,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> list[PeriodTotals]:
    """Results per brand-local day, week (starting Monday) or month and per currency; a
    snapshot counts for the period its own period starts in."""
    snaps = MetricSnapshot.objects.all()
    if period_start is not None:
        snaps = snaps.filter(period_start__gte=period_start)
    if period_end is not None:
        snaps = snaps.filter(period_start__lt=period_end)
    rows = (
        snaps.annotate(bucket=Trunc("period_start", group, tzinfo=tz))
        .values("bucket", "boost__currency")
        .annotate(
            # First: the other annotations reuse the column names the Case reads.
            results=Sum(RESULTS_OF_OBJECTIVE),
            impressions=Sum("impressions"),
            reach=Sum("reach"),
            clicks=Sum("clicks"),
            engagements=Sum("engagements"),
            conversions=Sum("conversions"),
            spend=Sum("spend"),
        )
        .order_by("bucket", "boost__currency")
    )
    return [
        PeriodTotals(
            period=row["bucket"].astimezone(tz).date(),
            currency=row["boost__currency"],
            figures=pacing.figures(
                objective="conversions",
                currency=row["boost__currency"],
                impressions=row["impressions"],
                reach=row["reach"],
                clicks=row["clicks"],
                engagements=row["engagements"],
                conversions=row["conversions"],
                spend=row["spend"],
                results=row["results"],
            ),
        )
        for row in rows
    ]
