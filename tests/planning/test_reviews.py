"""A strategist reviews last month: sees the plan delivery, records a finding and actions,
applies them (the plan changes, with an audit entry) and closes the review, which freezes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from planning.models import Pillar, PlanItem, ReviewAction
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import errors, item_body, next_month, today, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(world, strategist, plan_a):
    """The review of this month, with one published, one planned and one dropped item."""
    a = world.a
    this = next_month(a, 0)
    with schema_context(a.brand.schema_name):
        for status in ("published", "planned", "dropped"):
            PlanItem.objects.create(
                title=status,
                planned_on=this,
                channel_id=plan_a["insta"],
                pillar_id=plan_a["coffee"],
                status=status,
            )
    made = strategist.post(url(a, "reviews/"), {"period": "month", "period_start": str(today(a))})
    assert made.status_code == 201, made.json()
    return made.json()


def test_a_review_shows_the_periods_plan_delivery(world, strategist, review) -> None:
    a = world.a

    shown = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, f"reviews/{review['id']}/"))

    assert shown.status_code == 200
    body = shown.json()
    assert body["period_start"] == str(next_month(a, 0))
    assert body["delivery"] == {"planned": 2, "published": 1, "dropped": 1, "open": 1}
    again = strategist.post(url(a, "reviews/"), {"period": "month", "period_start": str(today(a))})
    assert again.status_code == 409 and "period_start" in errors(again)


def test_applying_actions_changes_the_plan_with_an_audit_entry(
    world, strategist, plan_a, review
) -> None:
    a, p = world.a, plan_a
    base = url(a, f"reviews/{review['id']}/")
    item = strategist.post(url(a, "items/"), item_body(p)).json()
    found = strategist.post(
        base + "findings/",
        {
            "kind": "did_not_work",
            "text": "Team stories get half the reach of coffee posts.",
            "evidence": ["https://instagram.com/p/abc"],
        },
    )
    retarget = strategist.post(
        base + "actions/",
        {
            "title": "Fewer team stories",
            "kind": "pillar_target",
            "pillar": p["people"],
            "target_share": "25",
            "due_on": str(today(a) + timedelta(days=7)),
            "owner": a.person(Role.STRATEGIST).pk,
        },
    )
    move = strategist.post(
        base + "actions/",
        {
            "title": "Move the roaster post a week",
            "kind": "item_date",
            "plan_item": item["id"],
            "planned_on": str(p["launch_start"] + timedelta(days=9)),
            "due_on": str(today(a) + timedelta(days=7)),
        },
    )
    assert found.status_code == 201, found.json()
    assert retarget.status_code == 201, retarget.json()
    assert move.status_code == 201, move.json()

    applied = [strategist.post(base + f"actions/{x.json()['id']}/apply/") for x in (retarget, move)]
    twice = strategist.post(base + f"actions/{retarget.json()['id']}/apply/")

    assert [r.status_code for r in applied] == [200, 200]
    assert applied[0].json()["status"] == "applied"
    assert applied[0].json()["applied_by"] == a.person(Role.STRATEGIST).pk
    assert twice.status_code == 409
    with schema_context(a.brand.schema_name):
        assert str(Pillar.objects.get(pk=p["people"]).target_share) == "25.00"
        assert PlanItem.objects.get(pk=item["id"]).planned_on == p["launch_start"] + timedelta(
            days=9
        )
    trail = client_for(a.person(Role.ACCOUNT_LEAD)).get(
        f"/brands/{a.brand.slug}/api/v1/audit/", {"action": "review_action.applied"}
    )
    entries = trail.json()["results"]
    assert {(e["subject_id"], str(e["after"])) for e in entries} >= {
        (retarget.json()["id"], str({"pillar": p["people"], "target_share": "25.00"})),
    }


def test_an_action_the_plan_refuses_stays_open(world, strategist, plan_a, review) -> None:
    a, p = world.a, plan_a
    base = url(a, f"reviews/{review['id']}/")
    # The other pillar already takes 60 %: 50 % here would make 110 %.
    made = strategist.post(
        base + "actions/",
        {
            "title": "More team stories",
            "kind": "pillar_target",
            "pillar": p["people"],
            "target_share": "50",
            "due_on": str(today(a)),
        },
    ).json()

    refused = strategist.post(base + f"actions/{made['id']}/apply/")

    assert refused.status_code == 400 and "target_share" in errors(refused)
    with schema_context(a.brand.schema_name):
        assert ReviewAction.objects.get(pk=made["id"]).status == "open"
        assert str(Pillar.objects.get(pk=p["people"]).target_share) == "40.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "pillar_target", "target_share": "10", "pillar": 999999}, "pillar"),
        ({"kind": "pillar_target", "pillar": "PEOPLE"}, "target_share"),
        ({"kind": "item_status", "plan_item": 999999, "item_status": "dropped"}, "plan_item"),
        ({"kind": "item_date", "plan_item": "ITEM"}, "planned_on"),
        ({"kind": "other", "owner": "BRAND_B"}, "owner"),
        ({"kind": "rename_brand"}, "kind"),
    ],
)
def test_bad_actions_are_a_400_naming_the_field(
    world, strategist, plan_a, review, body, field
) -> None:
    a = world.a
    item = strategist.post(url(a, "items/"), item_body(plan_a)).json()
    values = {
        "PEOPLE": plan_a["people"],
        "ITEM": item["id"],
        "BRAND_B": world.b.person(Role.ANALYST).pk,
    }
    body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}

    answer = strategist.post(
        url(a, f"reviews/{review['id']}/actions/"),
        {"title": "Change", "due_on": str(today(a)), **body},
    )

    assert answer.status_code == 400, answer.json()
    assert set(errors(answer)) == {field}
    with schema_context(a.brand.schema_name):
        assert ReviewAction.objects.count() == 0


def test_a_closed_review_is_frozen(world, strategist, review) -> None:
    a = world.a
    base = url(a, f"reviews/{review['id']}/")
    action = strategist.post(
        base + "actions/", {"title": "Try reels", "kind": "other", "due_on": str(today(a))}
    ).json()

    closed = strategist.post(base + "close/")
    finding = strategist.post(base + "findings/", {"kind": "worked", "text": "Reels"})
    applied = strategist.post(base + f"actions/{action['id']}/apply/")
    again = strategist.post(base + "close/")

    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [finding.status_code, applied.status_code, again.status_code] == [409, 409, 409]
    assert strategist.get(base).json()["findings"] == []


def test_reviews_are_the_plan_owners_and_other_brands_see_none(world, review) -> None:
    a, b = world.a, world.b
    base = url(a, f"reviews/{review['id']}/")

    copywriter = client_for(a.person(Role.COPYWRITER)).post(base + "close/")
    outsider = client_for(b.person(Role.ACCOUNT_LEAD)).get(base)
    their_own = client_for(b.person(Role.ACCOUNT_LEAD)).get(url(b, f"reviews/{review['id']}/"))
    other_review_action = client_for(a.person(Role.ACCOUNT_LEAD)).post(
        base + "actions/999999/apply/"
    )

    assert copywriter.status_code == 403
    assert [outsider.status_code, their_own.status_code] == [404, 404]
    assert other_review_action.status_code == 404
    assert client_for(a.person(Role.CLIENT_VIEWER)).get(base).json()["status"] == "open"
