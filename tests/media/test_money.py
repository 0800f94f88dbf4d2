"""The money maths of paid media: rounding, currencies, time zones, partial periods, DST."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from media import money, pacing

ZURICH = ZoneInfo("Europe/Zurich")
LA = ZoneInfo("America/Los_Angeles")
D = Decimal


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


def schedule(total: str, start: datetime, end: datetime, *, cap: str | None = None, tz=ZURICH):
    return pacing.Schedule(
        total=D(total),
        currency="EUR",
        starts_at=start,
        ends_at=end,
        tz=tz,
        daily_cap=D(cap) if cap else None,
    )


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("0.125", "EUR", "0.12"),  # half-even: to the even cent
        ("0.135", "EUR", "0.14"),
        ("2.5", "JPY", "2"),
        ("3.5", "JPY", "4"),
        ("1.0005", "KWD", "1.000"),
        ("1.0015", "KWD", "1.002"),
        ("-0.125", "EUR", "-0.12"),
    ],
)
def test_amounts_round_half_even_to_the_currency_minor_unit(value, currency, expected) -> None:
    assert str(money.round_money(D(value), currency)) == expected


def test_a_fraction_is_rounded_exactly_not_through_a_float() -> None:
    # 1/8 = 0.125 exactly: half-even goes down to 0.12; 3/8 = 0.375 goes up to 0.38.
    assert money.round_money(Fraction(1, 8), "EUR") == D("0.12")
    assert money.round_money(Fraction(3, 8), "EUR") == D("0.38")


def test_unknown_currency_is_refused_and_precision_follows_the_currency() -> None:
    with pytest.raises(money.UnknownCurrency):
        money.minor_units("EURO")
    assert not money.is_currency("eur")
    assert money.has_minor_precision(D("10.50"), "EUR")
    assert not money.has_minor_precision(D("10.505"), "EUR")
    assert not money.has_minor_precision(D("10.5"), "JPY")
    assert money.has_minor_precision(D("10.505"), "BHD")


def test_ratios_with_nothing_to_divide_by_are_none() -> None:
    assert money.ratio(D("5"), 0, places=4) is None
    assert money.ratio(D("1"), 3, places=4) == D("0.3333")


def test_expected_spend_is_linear_over_full_local_days() -> None:
    plan = schedule("1000.00", local(ZURICH, 2026, 11, 1), local(ZURICH, 2026, 11, 11))
    assert plan.days == 10
    assert plan.expected_spend(local(ZURICH, 2026, 11, 3, 12)) == D("250.00")
    assert plan.expected_spend(local(ZURICH, 2026, 10, 30)) == D("0.00")
    assert plan.expected_spend(local(ZURICH, 2026, 12, 30)) == D("1000.00")


def test_a_partial_first_and_last_day_weigh_their_share_of_the_day() -> None:
    # 18:00 on day 1 to 06:00 on day 3: a quarter day, a full day, a quarter day.
    plan = schedule("150.00", local(ZURICH, 2026, 11, 1, 18), local(ZURICH, 2026, 11, 3, 6))
    assert plan.days == D("1.5")
    assert plan.expected_spend(local(ZURICH, 2026, 11, 2)) == D("25.00")
    assert plan.expected_spend(local(ZURICH, 2026, 11, 3)) == D("125.00")


def test_the_same_instants_split_into_days_by_the_brands_time_zone() -> None:
    utc = ZoneInfo("UTC")
    start = datetime(2026, 11, 1, 12, tzinfo=utc)
    end = datetime(2026, 11, 2, 12, tzinfo=utc)
    now = datetime(2026, 11, 1, 23, tzinfo=utc)
    # Zurich (UTC+1): 13:00-24:00 of Nov 1 and 00:00-13:00 of Nov 2, one day in all.
    zurich = schedule("240.00", start, end, tz=ZURICH)
    assert zurich.days == 1
    assert zurich.expected_spend(now) == D("110.00")  # 11 of 24 hours
    # Los Angeles falls back on Nov 1 (a 25-hour day): 04:00-24:00 is 20/25 of that day,
    # then 00:00-04:00 is 4/24 of Nov 2.
    angeles = schedule("240.00", start, end, tz=LA)
    assert angeles.days == Fraction(29, 30)
    # At 15:00 local, 11 of Nov 1's 25 hours are behind us: 240 / (29/30) * 11/25 = 109.24.
    assert angeles.expected_spend(now) == D("109.24")


def test_a_dst_spring_forward_day_of_23_hours_gets_a_full_days_share() -> None:
    # Europe/Zurich skips 02:00-03:00 on 29 March 2026.
    day = schedule("230.00", local(ZURICH, 2026, 3, 29), local(ZURICH, 2026, 3, 30))
    assert day.days == 1
    # Local noon is only 11 real hours after midnight on that day: 11/23 of the budget.
    assert day.expected_spend(local(ZURICH, 2026, 3, 29, 12)) == D("110.00")
    three = schedule("300.00", local(ZURICH, 2026, 3, 28), local(ZURICH, 2026, 3, 31))
    assert three.days == 3
    assert three.expected_spend(local(ZURICH, 2026, 3, 30)) == D("200.00")


def test_a_dst_fall_back_day_of_25_hours_gets_a_full_days_share() -> None:
    day = schedule("250.00", local(ZURICH, 2026, 10, 25), local(ZURICH, 2026, 10, 26))
    assert day.days == 1
    # Local noon is 13 real hours into a 25-hour day.
    assert day.expected_spend(local(ZURICH, 2026, 10, 25, 12)) == D("130.00")


def test_the_daily_cap_limits_what_the_schedule_expects() -> None:
    plan = schedule("1000.00", local(ZURICH, 2026, 11, 1), local(ZURICH, 2026, 11, 3), cap="100")
    assert plan.expected_spend(local(ZURICH, 2026, 11, 2)) == D("100.00")


def test_pacing_reports_overspend_under_delivery_and_projects_the_end_spend() -> None:
    plan = schedule("1000.00", local(ZURICH, 2026, 11, 1), local(ZURICH, 2026, 11, 11))
    now = local(ZURICH, 2026, 11, 3)  # 2 of 10 days: 200.00 expected
    on_track = pacing.pacing(plan, spend=D("210"), now=now)
    assert on_track.status == "on_track"
    assert on_track.ratio == D("1.0500")
    assert on_track.projected_end_spend == D("1050.00")
    assert on_track.elapsed_share == D("0.2000")
    assert pacing.pacing(plan, spend=D("300"), now=now).status == "overspending"
    assert pacing.pacing(plan, spend=D("100"), now=now).status == "under_delivering"
    early = pacing.pacing(plan, spend=D("0"), now=local(ZURICH, 2026, 11, 1, 12))
    assert early.status == "on_track"  # under 10% of the schedule: too early to call
    before = pacing.pacing(plan, spend=D("0"), now=local(ZURICH, 2026, 10, 1))
    assert before.status == "not_started" and before.projected_end_spend is None
    after = pacing.pacing(plan, spend=D("990.5"), now=local(ZURICH, 2026, 12, 1))
    assert after.status == "finished" and after.projected_end_spend == D("990.50")


def test_month_shares_add_up_exactly_to_the_amount() -> None:
    plan = schedule("100.00", local(ZURICH, 2026, 1, 31), local(ZURICH, 2026, 2, 3))
    shares = pacing.allocate_by_month(plan, D("100.00"))
    assert shares == {
        date(2026, 1, 1): D("33.33"),
        date(2026, 2, 1): D("66.67"),
    }
    assert sum(shares.values()) == D("100.00")
    yen = pacing.Schedule(
        total=D("100"),
        currency="JPY",
        starts_at=local(ZURICH, 2026, 1, 31),
        ends_at=local(ZURICH, 2026, 2, 3),
        tz=ZURICH,
    )
    assert list(pacing.allocate_by_month(yen, D("100")).values()) == [D("33"), D("67")]


def test_figures_per_objective_and_none_where_nothing_was_delivered() -> None:
    got = pacing.figures(
        objective="traffic",
        currency="EUR",
        impressions=12000,
        reach=9000,
        clicks=300,
        engagements=450,
        conversions=7,
        spend=D("123.456789"),
    )
    assert got.spend == D("123.46")
    assert got.cpm == D("10.2881")  # 123.456789 * 1000 / 12000 = 10.28806...
    assert got.cpc == D("0.4115")
    assert got.ctr_percent == D("2.50")
    assert got.results == 300 and got.cost_per_result == got.cpc
    conversions = pacing.figures(
        objective="conversions",
        currency="EUR",
        impressions=0,
        reach=0,
        clicks=0,
        engagements=0,
        conversions=0,
        spend=D("0"),
    )
    assert conversions.cpm is None and conversions.ctr_percent is None
    assert conversions.cost_per_result is None


def test_schedules_need_aware_times_and_an_end_after_the_start() -> None:
    with pytest.raises(ValueError):
        schedule("1", datetime(2026, 1, 1), datetime(2026, 1, 2))  # noqa: DTZ001
    with pytest.raises(ValueError):
        schedule("1", local(ZURICH, 2026, 1, 2), local(ZURICH, 2026, 1, 1))


def test_the_schedule_maths_never_walks_an_unbounded_range() -> None:
    start = local(ZURICH, 2026, 1, 1)
    year = schedule("366", start, local(ZURICH, 2027, 1, 2))  # 366 days: the longest allowed
    assert year.days == 366
    with pytest.raises(ValueError, match="at most 366 days"):
        pacing.day_weights(start, datetime(9999, 12, 31, 23, 59, tzinfo=ZURICH), ZURICH)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("300.000", "EUR", "300.00 EUR"),
        ("0.125", "EUR", "0.12 EUR"),  # half-even, as everywhere
        ("50000.000", "JPY", "50000 JPY"),
        ("1.5", "KWD", "1.500 KWD"),
        ("12.3456", "XXQ", "12.3456 XXQ"),  # not ISO 4217: as given
    ],
)
def test_amounts_are_written_in_the_currencys_minor_unit_with_its_code(
    amount: str, currency: str, expected: str
) -> None:
    assert money.format_money(D(amount), currency) == expected
