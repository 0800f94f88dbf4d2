"""The monthly roll keeps every brand's plan twelve months ahead and closes the months that
have passed with what became of their items; running it twice adds nothing."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from planning.horizon import add_months, month_start
from planning.models import PlanItem, PlanMonth
from planning.services.roll import roll_plan
from planning.tasks import roll_brand_plan, roll_plans_everywhere
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import today, url

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")


def months(bw) -> list[str]:
    with schema_context(bw.brand.schema_name):
        return [f"{m:%Y-%m}" for m in PlanMonth.objects.values_list("month", flat=True)]


def test_the_roll_covers_this_month_and_twelve_more_and_twice_adds_nothing(world) -> None:
    a = world.a
    this = month_start(today(a))

    with schema_context(a.brand.schema_name):
        first = roll_plan(brand=a.brand)
        second = roll_plan(brand=a.brand)

    assert first.added == [add_months(this, n) for n in range(13)]
    assert (second.added, second.closed) == ([], [])
    assert str(second) == "nothing to do"
    assert months(a) == [f"{add_months(this, n):%Y-%m}" for n in range(13)]
    assert months(world.b) == []  # brand B's plan is its own


def test_a_month_later_the_past_month_closes_with_its_results(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    this = month_start(today(a))
    strategist.post(url(a, "cadence/"), {"channel": p["insta"], "posts_per_week": 3})
    with schema_context(a.brand.schema_name):
        roll_plan(brand=a.brand)
        for status in ("published", "planned", "dropped", "scheduled"):
            PlanItem.objects.create(
                title=status,
                planned_on=this + timedelta(days=3),
                channel_id=p["insta"],
                pillar_id=p["coffee"],
                status=status,
            )
    next_month = add_months(this, 1)
    a_month_later = datetime.combine(next_month + timedelta(days=1), time(9), tzinfo=ZURICH)

    with schema_context(a.brand.schema_name):
        rolled = roll_plan(brand=a.brand, now=a_month_later)
        again = roll_plan(brand=a.brand, now=a_month_later)
        closed = PlanMonth.objects.get(month=this)

    assert (rolled.added, rolled.closed) == ([add_months(this, 13)], [this])
    assert (again.added, again.closed) == ([], [])
    assert closed.closed_at == a_month_later
    assert (closed.planned, closed.published, closed.dropped, closed.missed) == (3, 1, 1, 2)
    days = (next_month - this).days
    assert closed.cadence_target == round(3 * days / 7)
    shown = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, "months/"))
    assert shown.status_code == 200
    rows = shown.json()
    assert len(rows) == 14
    assert rows[0] == {
        "month": str(this),
        "closed": True,
        "planned": 3,
        "published": 1,
        "dropped": 1,
        "missed": 2,
        "cadence_target": round(3 * days / 7),
    }
    assert [r["closed"] for r in rows[1:]] == [False] * 13


def test_an_open_month_shows_its_items_as_they_stand(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    with schema_context(a.brand.schema_name):
        roll_plan(brand=a.brand)
    strategist.post(
        url(a, "items/"),
        {
            "title": "Launch teaser",
            "planned_on": str(p["launch_start"]),
            "channel": p["insta"],
            "pillar": p["coffee"],
        },
    )

    rows = {r["month"]: r for r in strategist.get(url(a, "months/")).json()}

    launch_month = rows[str(p["launch_start"])]
    assert (launch_month["closed"], launch_month["planned"], launch_month["missed"]) == (
        False,
        1,
        0,
    )


def test_the_command_rolls_every_brand_with_plain_progress_and_twice_changes_nothing(
    world,
) -> None:
    first, second = io.StringIO(), io.StringIO()

    call_command("roll_plans", stdout=first)
    call_command("roll_plans", stdout=second)

    out = first.getvalue()
    assert "roll plans: " in out and " to do" in out
    assert "FAILED" not in out
    assert len(months(world.a)) == 13 and len(months(world.b)) == 13
    last = second.getvalue().strip().splitlines()[-1]
    assert last.startswith("roll plans: ") and last.endswith("; 0 plans changed")


def test_the_command_refuses_an_unknown_brand(world) -> None:
    with pytest.raises(Exception, match="no active brand 'nobody'"):
        call_command("roll_plans", "--brand", "nobody", stdout=io.StringIO())


def test_the_scheduler_sends_one_roll_per_brand_and_each_rolls_its_brand(
    world, inline_worker
) -> None:
    roll_plans_everywhere.fn()

    sent = [m for m in inline_worker.kept if m.actor_name == roll_brand_plan.actor_name]
    schemas = {m.options["brand_schema"] for m in sent}
    assert {world.a.brand.schema_name, world.b.brand.schema_name} <= schemas
    with schema_context(world.a.brand.schema_name):
        roll_brand_plan.fn()
        roll_brand_plan.fn()
    assert len(months(world.a)) == 13
    assert months(world.b) == []


def test_now_in_the_roll_is_the_brands_own_month(world) -> None:
    """At 23:30 UTC on the last day of a month it is already the next month in Zurich."""
    a = world.a
    this = month_start(today(a))
    last_evening = datetime.combine(
        add_months(this, 1) - timedelta(days=1), time(23, 30), tzinfo=ZoneInfo("UTC")
    )

    with schema_context(a.brand.schema_name):
        rolled = roll_plan(brand=a.brand, now=last_evening)

    assert rolled.added[0] == add_months(this, 1)


def _statements_of_roll(bw, now: datetime) -> tuple[int, object]:
    with schema_context(bw.brand.schema_name):
        PlanMonth.objects.exists()  # the brand's search_path set before counting
        with CaptureQueriesContext(connection) as queries:
            outcome = roll_plan(brand=bw.brand, now=now)
    # The test's own transaction makes the roll's atomic block a savepoint: not a statement
    # the roll sends when the worker runs it.
    sent = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    return len(sent), outcome


def test_a_catch_up_closes_every_past_month_with_its_own_items_in_as_many_statements_as_one(
    world, strategist, plan_a
) -> None:
    """Months missed by the roll (and months with items from before the first roll) close in
    the same few statements as one month: the roll's cost per brand does not grow with them."""
    a, b, p = world.a, world.b, plan_a
    this = month_start(today(a))
    strategist.post(url(a, "cadence/"), {"channel": p["insta"], "posts_per_week": 2})
    before = add_months(this, -2)
    earliest = add_months(before, -1)  # items with no month row (imported, say)
    with schema_context(a.brand.schema_name):  # the last roll, two months ago
        roll_plan(brand=a.brand, now=datetime.combine(before + timedelta(days=2), time(9), ZURICH))
        for day, status in (
            (earliest, "published"),
            (before, "published"),
            (before, "dropped"),
            (this, "planned"),
        ):
            PlanItem.objects.create(
                title=status,
                planned_on=day + timedelta(days=4),
                channel_id=p["insta"],
                pillar_id=p["coffee"],
                status=status,
            )
    one_month_on = datetime.combine(add_months(this, 1) + timedelta(days=2), time(9), ZURICH)
    three_months_on = datetime.combine(add_months(this, 3) + timedelta(days=2), time(9), ZURICH)
    with schema_context(b.brand.schema_name):  # brand B: one month closes
        roll_plan(brand=b.brand)
    one, one_outcome = _statements_of_roll(b, one_month_on)
    three, rolled = _statements_of_roll(a, three_months_on)
    nothing, again = _statements_of_roll(a, three_months_on)

    assert one_outcome.closed == [this]
    assert rolled.closed == [add_months(earliest, n) for n in range(6)]  # up to this + 2
    assert rolled.added == [add_months(this, n) for n in range(11, 16)]
    assert (again.added, again.closed) == ([], [])
    assert three == one <= 6
    assert nothing <= 4
    shown = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, "months/")).json()
    by_month = {r["month"]: r for r in shown}
    counted = ("closed", "planned", "published", "dropped", "missed", "cadence_target")

    def row(m):
        return tuple(by_month[str(m)][k] for k in counted)

    def target(m):
        return round(2 * (add_months(m, 1) - m).days / 7)

    assert row(earliest) == (True, 1, 1, 0, 0, target(earliest))
    assert row(before) == (True, 1, 1, 1, 0, target(before))
    assert row(add_months(before, 1)) == (True, 0, 0, 0, 0, target(add_months(before, 1)))
    assert row(this) == (True, 1, 0, 0, 1, target(this))
    assert [r["closed"] for r in shown if r["month"] >= str(add_months(this, 3))] == [False] * 13
    with schema_context(a.brand.schema_name):
        assert PlanMonth.objects.get(month=this).closed_at == three_months_on
    assert len(months(b)) == 14  # brand B's roll stayed its own
