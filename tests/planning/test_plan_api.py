"""A strategist sets up brand A's plan (pillars, cadence, a campaign, plan items) through the
API; bad input is a 400 naming the field with nothing stored, other roles and brands are
refused, and items move along their status table."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from planning.models import Cadence, Campaign, Pillar, PlanItem
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import (
    errors,
    item_body,
    next_monday,
    next_month,
    today,
    url,
)

pytestmark = pytest.mark.django_db


def count(bw, model) -> int:
    with schema_context(bw.brand.schema_name):
        return model.objects.count()


def test_strategist_plans_a_launch_and_sees_it_by_day(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    cadence = strategist.post(
        url(a, "cadence/"), {"channel": p["insta"], "posts_per_week": 3, "purpose": "marketing"}
    )
    assert cadence.status_code == 201, cadence.json()
    lead_id = a.person(Role.COPYWRITER).pk
    on_day = strategist.post(
        url(a, "items/"),
        item_body(p, campaign=p["launch"], owner=lead_id, publish_time="09:30"),
    )
    # Planned "some time in the week of" a Wednesday: stored on that week's Monday.
    wednesday = next_monday(a, 2) + timedelta(days=2)
    in_week = strategist.post(
        url(a, "items/"),
        item_body(p, title="Origin story", planned_on=str(wednesday), whole_week=True),
    )

    assert on_day.status_code == 201, on_day.json()
    assert in_week.status_code == 201, in_week.json()
    body = on_day.json()
    assert (body["status"], body["campaign"], body["owner"], body["publish_time"]) == (
        "planned",
        p["launch"],
        lead_id,
        "09:30:00",
    )
    assert body["created_by"] == a.person(Role.STRATEGIST).pk
    assert in_week.json()["planned_on"] == str(next_monday(a, 2))
    listed = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, "items/"))
    assert listed.status_code == 200
    days = [row["planned_on"] for row in listed.json()["results"]]
    assert days == sorted(days) and len(days) == 2
    by_pillar = client_for(a.person(Role.CLIENT_VIEWER)).get(
        url(a, "items/"), {"pillar": p["people"], "from": str(p["launch_start"])}
    )
    assert {r["title"] for r in by_pillar.json()["results"]} == {"Meet the roaster"}
    pillars = strategist.get(url(a, "pillars/")).json()["results"]
    assert [(x["name"], x["target_share"]) for x in pillars] == [
        ("Coffee culture", "60.00"),
        ("Our people", "40.00"),
    ]


def test_a_listed_item_has_every_declared_field_as_the_generic_serializer_renders_it(
    world, strategist, plan_a
) -> None:
    """The item shape is written out by hand for speed; it must stay what DRF's walk over the
    declared fields (the API schema) would give, field for field."""
    from rest_framework import serializers

    from planning.api.serializers import PlanItemSerializer
    from planning.selectors.plan import lead_days

    a, p = world.a, plan_a
    made = strategist.post(
        url(a, "items/"),
        item_body(
            p,
            campaign=p["launch"],
            owner=a.person(Role.COPYWRITER).pk,
            publish_time="18:05",
            notes="Shot at dawn",
            distribution=[
                {"kind": "boost", "amount": "1250.5", "note": "Lookalikes"},
                {"kind": "cross_post", "channel": p["linkedin"]},
            ],
        ),
        format="json",
    )
    assert made.status_code == 201, made.json()
    listed = strategist.get(url(a, "items/")).json()["results"]

    # Times render in the brand's zone, as the request activates it.
    with schema_context(a.brand.schema_name), timezone.override(ZoneInfo(a.brand.timezone)):
        item = PlanItem.objects.get(pk=made.json()["id"])
        shape = PlanItemSerializer(context={"lead": lead_days(), "today": today(a)})
        generic = serializers.Serializer.to_representation(shape, item)
    assert listed == [made.json()]
    assert made.json() == dict(generic)
    assert set(made.json()) == set(shape.fields)


def test_pillar_targets_adding_up_past_100_percent_are_a_400_and_nothing_is_stored(
    world, strategist, plan_a
) -> None:
    a = world.a

    too_much = strategist.post(url(a, "pillars/"), {"name": "Sustainability", "target_share": "5"})
    raised = strategist.patch(url(a, f"pillars/{plan_a['people']}/"), {"target_share": "40.01"})

    assert too_much.status_code == 400
    assert errors(too_much) == {"target_share": "invalid"}
    assert "100.00 %" in too_much.json()["errors"][0]["detail"]
    assert raised.status_code == 400 and errors(raised) == {"target_share": "invalid"}
    assert count(a, Pillar) == 2
    with schema_context(a.brand.schema_name):
        assert str(Pillar.objects.get(pk=plan_a["people"]).target_share) == "40.00"
    lowered = strategist.patch(url(a, f"pillars/{plan_a['coffee']}/"), {"target_share": "55"})
    assert lowered.status_code == 200
    fits = strategist.post(url(a, "pillars/"), {"name": "Sustainability", "target_share": "5"})
    assert fits.status_code == 201, fits.json()


def test_a_pillar_target_change_is_in_the_brand_audit_trail(world, strategist, plan_a) -> None:
    a = world.a
    strategist.patch(url(a, f"pillars/{plan_a['coffee']}/"), {"target_share": "50"})

    trail = client_for(a.person(Role.ACCOUNT_LEAD)).get(
        f"/brands/{a.brand.slug}/api/v1/audit/", {"action": "pillar.changed"}
    )

    assert trail.status_code == 200, trail.json()
    entry = trail.json()["results"][0]
    assert (entry["before"], entry["after"]) == (
        {"target_share": "60.00"},
        {"target_share": "50.00"},
    )


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"name": "Coffee Culture", "target_share": "0"}, "name", 409),
        ({"name": "Other", "target_share": "100.5"}, "target_share", 400),
        ({"name": "Other", "target_share": "-1"}, "target_share", 400),
        ({"name": "   ", "target_share": "0"}, "name", 400),
    ],
)
def test_bad_pillars_are_refused_naming_the_field(
    world, strategist, plan_a, body, field, status
) -> None:
    answer = strategist.post(url(world.a, "pillars/"), body)

    assert answer.status_code == status, answer.json()
    assert field in errors(answer)
    assert count(world.a, Pillar) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"planned_on": "LAST_MONTH"}, "planned_on"),
        ({"planned_on": "IN_14_MONTHS"}, "planned_on"),
        ({"planned_on": "2026-02-30"}, "planned_on"),
        ({"channel": 999999}, "channel"),
        ({"pillar": 999999}, "pillar"),
        ({"campaign": 999999}, "campaign"),
        ({"campaign": "LAUNCH", "planned_on": "AFTER_LAUNCH"}, "campaign"),
        ({"owner": "BRAND_B_MEMBER"}, "owner"),
        ({"whole_week": True, "publish_time": "10:00"}, "publish_time"),
        ({"publish_time": "25:00"}, "publish_time"),
    ],
)
def test_bad_plan_items_are_a_400_naming_the_field_and_nothing_is_stored(
    world, strategist, plan_a, change, field
) -> None:
    a, p = world.a, plan_a
    values = {
        "LAST_MONTH": str(next_month(a, -1)),
        "IN_14_MONTHS": str(next_month(a, 14)),
        "LAUNCH": p["launch"],
        "AFTER_LAUNCH": str(p["launch_start"] + timedelta(days=20)),
        "BRAND_B_MEMBER": world.b.person(Role.COPYWRITER).pk,
    }
    body = item_body(
        p, **{k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    )

    answer = strategist.post(url(a, "items/"), body)

    assert answer.status_code == 400, answer.json()
    assert set(errors(answer)) == {field}
    assert count(a, PlanItem) == 0


def test_cadence_is_one_per_channel_and_counts_posts_of_a_week(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    first = strategist.post(url(a, "cadence/"), {"channel": p["insta"], "posts_per_week": 3})
    again = strategist.post(url(a, "cadence/"), {"channel": p["insta"], "posts_per_week": 5})
    absurd = strategist.post(url(a, "cadence/"), {"channel": p["linkedin"], "posts_per_week": 500})
    missing = strategist.post(url(a, "cadence/"), {"channel": 999999, "posts_per_week": 2})
    changed = strategist.patch(
        url(a, f"cadence/{first.json()['id']}/"), {"posts_per_week": 5, "purpose": "loyalty"}
    )

    assert first.status_code == 201 and first.json()["purpose"] == "marketing"
    assert again.status_code == 409 and "channel" in errors(again)
    assert absurd.status_code == 400 and "posts_per_week" in errors(absurd)
    assert missing.status_code == 400 and "channel" in errors(missing)
    assert changed.status_code == 200
    assert (changed.json()["posts_per_week"], changed.json()["purpose"]) == (5, "loyalty")
    assert count(a, Cadence) == 1


def test_campaign_dates_and_pillar_are_checked(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    backwards = strategist.post(
        url(a, "campaigns/"),
        {"name": "Spring", "starts_on": "2027-04-10", "ends_on": "2027-04-01"},
    )
    no_pillar = strategist.post(
        url(a, "campaigns/"),
        {"name": "Spring", "starts_on": "2027-04-01", "ends_on": "2027-04-10", "pillar": 999999},
    )
    strategist.post(url(a, "items/"), item_body(p, campaign=p["launch"]))
    shrunk = strategist.patch(
        url(a, f"campaigns/{p['launch']}/"), {"ends_on": str(p["launch_start"])}
    )
    removed = strategist.delete(url(a, f"campaigns/{p['launch']}/"))

    assert backwards.status_code == 400 and "ends_on" in errors(backwards)
    assert no_pillar.status_code == 400 and "pillar" in errors(no_pillar)
    assert shrunk.status_code == 400 and "ends_on" in errors(shrunk)
    assert removed.status_code == 409
    assert count(a, Campaign) == 1


def test_a_pillar_in_use_cannot_be_deleted(world, strategist, plan_a) -> None:
    a = world.a
    strategist.post(url(a, "items/"), item_body(plan_a))

    answer = strategist.delete(url(a, f"pillars/{plan_a['people']}/"))

    assert answer.status_code == 409
    assert count(a, Pillar) == 2


@pytest.mark.parametrize(
    ("role", "tail", "status"),
    [
        (Role.COPYWRITER, "items/", 201),
        (Role.COMMUNITY_MANAGER, "items/", 201),
        (Role.ANALYST, "items/", 403),
        (Role.CLIENT_APPROVER, "items/", 403),
        (Role.CLIENT_VIEWER, "items/", 403),
        (Role.COPYWRITER, "pillars/", 403),
        (Role.ACCOUNT_LEAD, "pillars/", 201),
        (Role.MEDIA_SPECIALIST, "pillars/", 403),
    ],
)
def test_who_may_change_the_plan(world, plan_a, role, tail, status) -> None:
    a = world.a
    body = item_body(plan_a) if tail == "items/" else {"name": "Events", "target_share": "0"}
    before = count(a, PlanItem) + count(a, Pillar)

    answer = client_for(a.person(role)).post(url(a, tail), body)

    assert answer.status_code == status, answer.json()
    assert count(a, PlanItem) + count(a, Pillar) == before + (1 if status == 201 else 0)


def test_another_brands_people_learn_nothing_of_the_plan(world, strategist, plan_a) -> None:
    a, b = world.a, world.b
    item = strategist.post(url(a, "items/"), item_body(plan_a)).json()
    outsider = client_for(b.person(Role.ACCOUNT_LEAD))

    read = outsider.get(url(a, f"items/{item['id']}/"))
    listed = outsider.get(url(a, "pillars/"))
    moved = outsider.post(url(a, f"items/{item['id']}/status/"), {"status": "dropped"})
    # In their own brand the id names nothing.
    own = outsider.get(url(b, f"items/{item['id']}/"))
    gaps = outsider.get(url(a, "gaps/"))

    assert [r.status_code for r in (read, listed, moved, own, gaps)] == [404] * 5
    with schema_context(a.brand.schema_name):
        assert PlanItem.objects.get(pk=item["id"]).status == "planned"


def test_items_move_along_the_status_table(world, strategist, plan_a) -> None:
    a = world.a
    item = strategist.post(url(a, "items/"), item_body(plan_a)).json()
    move = url(a, f"items/{item['id']}/status/")

    steps = [strategist.post(move, {"status": s}) for s in ("briefed", "scheduled", "published")]
    back = strategist.post(move, {"status": "planned"})
    removed = strategist.delete(url(a, f"items/{item['id']}/"))
    nonsense = strategist.post(move, {"status": "famous"})

    assert [r.status_code for r in steps] == [200, 200, 200]
    assert steps[-1].json()["status"] == "published"
    assert back.status_code == 409 and errors(back) == {"status": "invalid_transition"}
    assert removed.status_code == 409
    assert nonsense.status_code == 400 and "status" in errors(nonsense)
    with schema_context(a.brand.schema_name):
        assert PlanItem.objects.get(pk=item["id"]).status == "published"


def test_a_dropped_item_can_be_planned_again_and_an_open_one_deleted(
    world, strategist, plan_a
) -> None:
    a = world.a
    item = strategist.post(url(a, "items/"), item_body(plan_a)).json()
    move = url(a, f"items/{item['id']}/status/")

    dropped = strategist.post(move, {"status": "dropped"})
    again = strategist.post(move, {"status": "planned"})
    moved = strategist.patch(
        url(a, f"items/{item['id']}/"),
        {"planned_on": str(today(a)), "campaign": None, "title": "Meet the roaster, take 2"},
    )
    removed = strategist.delete(url(a, f"items/{item['id']}/"))

    assert (dropped.status_code, again.status_code) == (200, 200)
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["planned_on"], moved.json()["title"]) == (
        str(today(a)),
        "Meet the roaster, take 2",
    )
    assert removed.status_code == 204
    assert count(a, PlanItem) == 0


def test_an_item_of_a_closed_month_no_longer_changes(world, strategist, plan_a) -> None:
    a = world.a
    with schema_context(a.brand.schema_name):
        past = PlanItem.objects.create(
            title="Autumn blend",
            planned_on=next_month(a, -1) + timedelta(days=3),
            channel_id=plan_a["insta"],
            pillar_id=plan_a["coffee"],
        )

    changed = strategist.patch(url(a, f"items/{past.pk}/"), {"title": "Renamed"})
    moved = strategist.post(url(a, f"items/{past.pk}/status/"), {"status": "dropped"})
    removed = strategist.delete(url(a, f"items/{past.pk}/"))

    assert [r.status_code for r in (changed, moved, removed)] == [409, 409, 409]
    assert changed.json()["errors"][0]["code"] == "month_closed"
    with schema_context(a.brand.schema_name):
        kept = PlanItem.objects.get(pk=past.pk)
        assert (kept.title, kept.status) == ("Autumn blend", "planned")
