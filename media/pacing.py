"""Schedule maths for boosts: what the schedule expects by now, projections, month shares, and
the figures (CPM, CPC, CTR, cost per result). Pure functions: no database, no clock.

A schedule is read in the brand's time zone, one local calendar day at a time, the way the
networks spend daily budgets. Every local day the boost fully covers weighs 1, whatever its
length (a 23-hour spring-forward day and a 25-hour autumn day each get one day's share); a
partly covered day weighs the covered share of that day's real seconds. Weights are exact
fractions; the only rounding is the final one in ``media.money``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from media.money import (
    PERCENT_PLACES,
    RATIO_PLACES,
    UNIT_COST_PLACES,
    ratio,
    round_money,
    round_places,
)

_MICRO = timedelta(microseconds=1)

# The longest schedule the maths walks, in days (a year, leap day included). Every schedule is
# read one local day at a time, so an unbounded one would hold a web thread for minutes and
# then overflow the calendar; media.services.boosts refuses longer boosts with this limit.
MAX_SCHEDULE_DAYS = 366


def _micros(delta: timedelta) -> int:
    return delta // _MICRO


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # Comparing in UTC keeps wall-clock arithmetic out of DST days.
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> int:
    return max(0, _micros(min(a_end, b_end) - max(a_start, b_start)))


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[date]:
    """The brand-local calendar days that [start, end) touches (ValueError past
    ``MAX_SCHEDULE_DAYS``: the walk is never unbounded)."""
    if end - start > timedelta(days=MAX_SCHEDULE_DAYS):
        raise ValueError(f"A schedule spans at most {MAX_SCHEDULE_DAYS} days.")
    day = start.astimezone(tz).date()
    last = (end - _MICRO).astimezone(tz).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def day_weights(
    start: datetime, end: datetime, tz: ZoneInfo, *, until: datetime | None = None
) -> dict[date, Fraction]:
    """Per local day, the share of that day inside [start, min(end, until)), exactly."""
    # Aware datetimes that share a tzinfo subtract by wall clock in Python (a DST day would
    # look 24 hours long), so all arithmetic happens in UTC.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    stop = end if until is None else max(start, min(end, until.astimezone(UTC)))
    weights: dict[date, Fraction] = {}
    for day in local_days(start, end, tz):
        day_start = _local_midnight(day, tz)
        day_end = _local_midnight(day + timedelta(days=1), tz)
        weights[day] = Fraction(
            _overlap(start, stop, day_start, day_end), _micros(day_end - day_start)
        )
    return weights


@dataclass(frozen=True)
class Schedule:
    """A boost's money and time: total budget, optional daily cap, start and end, brand zone."""

    total: Decimal
    currency: str
    starts_at: datetime
    ends_at: datetime
    tz: ZoneInfo
    daily_cap: Decimal | None = None

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("Schedules need time-zone aware start and end.")
        if self.ends_at <= self.starts_at:
            raise ValueError("A schedule must end after it starts.")

    @property
    def days(self) -> Fraction:
        """The schedule's length in (weighted) local days."""
        return sum(day_weights(self.starts_at, self.ends_at, self.tz).values(), Fraction(0))

    def days_elapsed(self, now: datetime) -> Fraction:
        """Weighted local days of the schedule that lie before ``now``."""
        weights = day_weights(self.starts_at, self.ends_at, self.tz, until=now)
        return sum(weights.values(), Fraction(0))

    def daily_rate(self) -> Fraction:
        """What one full local day should spend: an even share, never above the daily cap."""
        even = Fraction(self.total) / self.days
        if self.daily_cap is not None:
            return min(even, Fraction(self.daily_cap))
        return even

    def expected_spend(self, now: datetime) -> Decimal:
        """What the schedule expects to have been spent by ``now`` (0 before the start)."""
        return round_money(self.daily_rate() * self.days_elapsed(now), self.currency)


class PacingStatus:
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    OVERSPENDING = "overspending"
    UNDER_DELIVERING = "under_delivering"
    FINISHED = "finished"


@dataclass(frozen=True)
class Pacing:
    expected_spend: Decimal
    spend: Decimal
    ratio: Decimal | None  # spend / expected; 1.0000 is exactly on schedule
    status: str
    elapsed_share: Decimal  # share of the schedule behind us, 0..1
    projected_end_spend: Decimal | None


def pacing(
    schedule: Schedule,
    *,
    spend: Decimal,
    now: datetime,
    tolerance: Decimal = Decimal("0.20"),
    min_elapsed_share: Decimal = Decimal("0.10"),
) -> Pacing:
    """Spend against what the schedule expects by ``now``, and where spend is heading.

    Outside ``1 ± tolerance`` the boost is over- or under-delivering; under-delivery is only
    called once ``min_elapsed_share`` of the schedule has passed, since networks start slowly.
    The projection extrapolates spend so far over the whole schedule (not capped: it shows
    where spend would go, and the cap check is what stops it).
    """
    total_days = schedule.days
    elapsed = schedule.days_elapsed(now)
    share = elapsed / total_days
    expected = schedule.expected_spend(now)
    spend_ratio = ratio(spend, expected, places=RATIO_PLACES)
    if now >= schedule.ends_at:
        projected: Decimal | None = round_money(spend, schedule.currency)
    elif elapsed:
        projected = round_money(Fraction(spend) * total_days / elapsed, schedule.currency)
    else:
        projected = None
    if now >= schedule.ends_at:
        status = PacingStatus.FINISHED
    elif not elapsed:
        status = PacingStatus.NOT_STARTED
    elif (spend_ratio is None and spend > 0) or (
        spend_ratio is not None and spend_ratio > 1 + tolerance
    ):
        status = PacingStatus.OVERSPENDING
    elif (
        share >= Fraction(min_elapsed_share)
        and spend_ratio is not None
        and spend_ratio < 1 - tolerance
    ):
        status = PacingStatus.UNDER_DELIVERING
    else:
        status = PacingStatus.ON_TRACK
    return Pacing(
        expected_spend=expected,
        spend=round_money(spend, schedule.currency),
        ratio=spend_ratio,
        status=status,
        elapsed_share=round_places(share, RATIO_PLACES),
        projected_end_spend=projected,
    )


def allocate_by_month(schedule: Schedule, amount: Decimal) -> dict[date, Decimal]:
    """Split ``amount`` over the local calendar months the schedule runs in, by day weight.

    Each month's share is rounded to the currency's minor unit and the last month takes the
    rounding remainder, so the shares always add up to ``amount`` exactly.
    """
    weights = day_weights(schedule.starts_at, schedule.ends_at, schedule.tz)
    per_month: dict[date, Fraction] = {}
    for day, weight in weights.items():
        month = day.replace(day=1)
        per_month[month] = per_month.get(month, Fraction(0)) + weight
    total_weight = sum(per_month.values(), Fraction(0))
    months = sorted(per_month)
    shares: dict[date, Decimal] = {}
    for month in months[:-1]:
        shares[month] = round_money(
            Fraction(amount) * per_month[month] / total_weight, schedule.currency
        )
    shares[months[-1]] = round_money(amount, schedule.currency) - sum(shares.values(), Decimal(0))
    return shares


@dataclass(frozen=True)
class Figures:
    impressions: int
    reach: int
    clicks: int
    engagements: int
    conversions: int
    spend: Decimal
    cpm: Decimal | None
    cpc: Decimal | None
    ctr_percent: Decimal | None
    results: int
    cost_per_result: Decimal | None


# What counts as a "result" for each objective.
RESULT_METRIC = {
    "reach": "reach",
    "engagement": "engagements",
    "traffic": "clicks",
    "conversions": "conversions",
}


def figures(
    *,
    objective: str,
    currency: str,
    impressions: int,
    reach: int,
    clicks: int,
    engagements: int,
    conversions: int,
    spend: Decimal,
    results: int | None = None,
) -> Figures:
    """CPM (per 1,000 impressions), CPC, CTR in percent and cost per result for the objective;
    None where the divisor is zero rather than a misleading 0 or infinity. Across boosts of
    different objectives pass ``results``: each boost's own results, summed (``objective`` is
    then ignored)."""
    counts = {
        "reach": reach,
        "engagements": engagements,
        "clicks": clicks,
        "conversions": conversions,
    }
    if results is None:
        results = counts[RESULT_METRIC[objective]]
    return Figures(
        impressions=impressions,
        reach=reach,
        clicks=clicks,
        engagements=engagements,
        conversions=conversions,
        spend=round_money(spend, currency),
        cpm=ratio(spend * 1000, impressions, places=UNIT_COST_PLACES),
        cpc=ratio(spend, clicks, places=UNIT_COST_PLACES),
        ctr_percent=ratio(Decimal(clicks) * 100, impressions, places=PERCENT_PLACES),
        results=results,
        cost_per_result=ratio(spend, results, places=UNIT_COST_PLACES),
    )
