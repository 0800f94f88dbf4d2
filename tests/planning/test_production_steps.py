"""Plan items show their production steps (brief, draft, sign-off, publish) with due days
counted back from the publish day by the plan's lead times, which steps the item's status has
done and which are late on the brand's today; the strategist sets the lead times."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from planning.models import Plan, PlanItem
from tests.planning.conftest import errors, item_body, next_monday, next_month, today, url

pytestmark = pytest.mark.django_db


def steps(row: dict[str, Any]) -> dict[str, tuple[str, bool, bool]]:
    return {s["step"]: (s["due_on"], s["done"], s["late"]) for s in row["production_steps"]}


def make_item(bw: Any, plan: dict[str, Any], day: date, **fields: Any) -> PlanItem:
    with schema_context(bw.brand.schema_name):
        return PlanItem.objects.create(
            title="Meet the roaster",
            planned_on=day,
            channel_id=plan["insta"],
            pillar_id=plan["people"],
            **fields,
        )


def test_lead_times_are_set_in_order_and_bad_ones_are_a_400_naming_the_field(
    world, strategist, plan_a
) -> None:
    a = world.a
    defaults = strategist.get(url(a, "settings/")).json()
    too_long = strategist.patch(url(a, "settings/"), {"brief_lead_days": 91})
    negative = strategist.patch(url(a, "settings/"), {"signoff_lead_days": -1})
    draft_before_brief = strategist.patch(url(a, "settings/"), {"draft_lead_days": 11})
    both_out_of_order = strategist.patch(
        url(a, "settings/"), {"brief_lead_days": 5, "draft_lead_days": 6, "signoff_lead_days": 1}
    )
    signoff_after_draft = strategist.patch(url(a, "settings/"), {"signoff_lead_days": 8})
    unchanged = strategist.get(url(a, "settings/")).json()
    changed = strategist.patch(
        url(a, "settings/"), {"brief_lead_days": 14, "draft_lead_days": 14, "signoff_lead_days": 0}
    )

    assert defaults == {
        "owner_weekly_capacity": 5,
        "brief_lead_days": 10,
        "draft_lead_days": 7,
        "signoff_lead_days": 2,
    }
    assert set(errors(too_long)) == {"brief_lead_days"}
    assert set(errors(negative)) == {"signoff_lead_days"}
    assert set(errors(draft_before_brief)) == {"draft_lead_days"}
    assert set(errors(both_out_of_order)) == {"draft_lead_days"}
    assert set(errors(signoff_after_draft)) == {"signoff_lead_days"}
    for refused in (too_long, negative, draft_before_brief, both_out_of_order):
        assert refused.status_code == 400
    assert unchanged == defaults
    assert changed.status_code == 200
    assert changed.json() == {
        **defaults,
        "brief_lead_days": 14,
        "draft_lead_days": 14,
        "signoff_lead_days": 0,
    }
    with schema_context(a.brand.schema_name):
        row = Plan.objects.get()
        assert (row.brief_lead_days, row.draft_lead_days, row.signoff_lead_days) == (14, 14, 0)


def test_an_item_in_ten_days_is_due_for_its_brief_today(world, strategist, plan_a) -> None:
    a = world.a
    day = today(a) + timedelta(days=10)
    made = strategist.post(url(a, "items/"), item_body(plan_a, planned_on=str(day)))
    assert made.status_code == 201, made.json()

    shown = strategist.get(url(a, f"items/{made.json()['id']}/")).json()

    assert [s["step"] for s in shown["production_steps"]] == [
        "brief",
        "draft",
        "signoff",
        "publish",
    ]
    assert steps(shown) == {
        "brief": (str(today(a)), False, False),
        "draft": (str(day - timedelta(days=7)), False, False),
        "signoff": (str(day - timedelta(days=2)), False, False),
        "publish": (str(day), False, False),
    }
    assert steps(made.json()) == steps(shown)


def test_a_planned_item_past_its_draft_day_shows_brief_and_draft_late(
    world, strategist, plan_a
) -> None:
    a = world.a
    day = today(a) + timedelta(days=3)
    item = make_item(a, plan_a, day)

    shown = steps(strategist.get(url(a, f"items/{item.pk}/")).json())
    briefed = strategist.post(url(a, f"items/{item.pk}/status/"), {"status": "briefed"})

    assert shown == {
        "brief": (str(day - timedelta(days=10)), False, True),
        "draft": (str(day - timedelta(days=7)), False, True),
        "signoff": (str(day - timedelta(days=2)), False, False),
        "publish": (str(day), False, False),
    }
    assert briefed.status_code == 200, briefed.json()
    assert {k: v[1:] for k, v in steps(briefed.json()).items()} == {
        "brief": (True, False),
        "draft": (False, True),
        "signoff": (False, False),
        "publish": (False, False),
    }


def test_a_published_item_has_every_step_done_and_none_late(world, strategist, plan_a) -> None:
    a = world.a
    past = today(a) - timedelta(days=1)
    published = make_item(a, plan_a, past, status="published")
    dropped = make_item(a, plan_a, past, status="dropped")

    listed = strategist.get(url(a, "items/"), {"from": str(past), "to": str(past)}).json()
    by_id = {row["id"]: steps(row) for row in listed["results"]}

    assert {v[1:] for v in by_id[published.pk].values()} == {(True, False)}
    assert {v[1:] for v in by_id[dropped.pk].values()} == {(False, False)}


def test_a_week_item_counts_from_its_monday_and_is_late_only_after_its_sunday(
    world, strategist, plan_a
) -> None:
    a = world.a
    monday = next_monday(a, 2)
    made = strategist.post(
        url(a, "items/"),
        item_body(plan_a, planned_on=str(monday + timedelta(days=3)), whole_week=True),
    )
    this_week = make_item(a, plan_a, next_monday(a, 0), whole_week=True)

    assert made.status_code == 201, made.json()
    assert steps(made.json()) == {
        "brief": (str(monday - timedelta(days=10)), False, False),
        "draft": (str(monday - timedelta(days=7)), False, False),
        "signoff": (str(monday - timedelta(days=2)), False, False),
        "publish": (str(monday), False, False),
    }
    # This week's item may still go out by Sunday: its publish step is not late yet.
    shown = steps(strategist.get(url(a, f"items/{this_week.pk}/")).json())
    assert shown["publish"] == (str(next_monday(a, 0)), False, False)
    assert shown["brief"][2] is True


def test_the_month_list_does_not_query_per_item(world, strategist, plan_a) -> None:
    a = world.a
    month = next_month(a)

    def list_month() -> int:
        with CaptureQueriesContext(connection) as queries:
            answer = strategist.get(
                url(a, "items/"), {"from": str(month), "to": str(month + timedelta(days=27))}
            )
        assert answer.status_code == 200
        assert all(row["production_steps"] for row in answer.json()["results"])
        return len(queries)

    make_item(a, plan_a, month)
    one = list_month()
    for offset in range(1, 8):
        make_item(a, plan_a, month + timedelta(days=offset), status="drafted")
    eight = list_month()

    assert eight == one
