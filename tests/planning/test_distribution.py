"""A plan item says who it is for (an audience) and how it will reach people: an organic post,
a planned boost with its amount, a newsletter, a cross-post to another channel, briefing the
customer service team. Bad actions are a 400 naming the action and field, and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from content.models import AudienceProfile, Brief
from planning.models import DistributionAction, PlanItem
from tests.planning.conftest import errors, item_body, url

pytestmark = pytest.mark.django_db


def audience(bw: Any, name: str) -> int:
    with schema_context(bw.brand.schema_name):
        return AudienceProfile.objects.create(name=name, description="Home baristas").pk


def stored_actions(bw: Any) -> list[tuple[str, str | None]]:
    with schema_context(bw.brand.schema_name):
        return [
            (a.kind, None if a.amount is None else str(a.amount))
            for a in DistributionAction.objects.order_by("item_id", "position")
        ]


PLAN = [
    {"kind": "organic_post"},
    {"kind": "boost", "amount": "250", "note": "Lookalikes of buyers"},
    {"kind": "cross_post", "channel": "LINKEDIN"},
    {"kind": "service_briefing", "note": "Expect questions on grind size"},
]


def plan_body(p: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    actions = [
        {**a, "channel": p["linkedin"]} if a.get("channel") == "LINKEDIN" else a for a in PLAN
    ]
    return item_body(p, distribution=actions, **overrides)


def test_an_item_carries_its_audience_and_distribution_into_the_plan_and_its_brief(
    world, strategist, plan_a
) -> None:
    a, p = world.a, plan_a
    barista = audience(a, "Home baristas")

    made = strategist.post(url(a, "items/"), plan_body(p, audience=barista), format="json")

    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["audience"] == barista
    shown = [(x["kind"], x["amount"], x["currency"], x["channel"]) for x in body["distribution"]]
    assert shown == [
        ("organic_post", None, "", None),
        ("boost", "250.00", a.brand.currency, None),
        ("cross_post", None, "", p["linkedin"]),
        ("service_briefing", None, "", None),
    ]
    listed = strategist.get(url(a, "items/"), {"audience": barista}).json()["results"]
    assert [row["distribution"] for row in listed] == [body["distribution"]]

    started = strategist.post(url(a, f"items/{body['id']}/start/"))
    assert started.status_code == 200, started.json()
    with schema_context(a.brand.schema_name):
        assert Brief.objects.get(pk=started.json()["brief"]).audience_id == barista


def test_changing_the_distribution_replaces_it_and_other_changes_keep_it(
    world, strategist, plan_a
) -> None:
    a, p = world.a, plan_a
    item = strategist.post(url(a, "items/"), plan_body(p), format="json").json()

    retitled = strategist.patch(url(a, f"items/{item['id']}/"), {"title": "Roaster at dawn"})
    assert [x["kind"] for x in retitled.json()["distribution"]] == [
        "organic_post",
        "boost",
        "cross_post",
        "service_briefing",
    ]
    replaced = strategist.patch(
        url(a, f"items/{item['id']}/"),
        {"distribution": [{"kind": "newsletter"}, {"kind": "boost", "amount": "99.5"}]},
        format="json",
    )

    assert replaced.status_code == 200, replaced.json()
    assert stored_actions(a) == [("newsletter", None), ("boost", "99.50")]


@pytest.mark.parametrize(
    ("actions", "field"),
    [
        ([{"kind": "boost"}], "distribution.0.amount"),
        ([{"kind": "organic_post"}, {"kind": "boost", "amount": "0"}], "distribution.1.amount"),
        ([{"kind": "newsletter", "amount": "10"}], "distribution.0.amount"),
        ([{"kind": "cross_post"}], "distribution.0.channel"),
        ([{"kind": "cross_post", "channel": 999999}], "distribution.0.channel"),
        ([{"kind": "cross_post", "channel": "OWN"}], "distribution.0.channel"),
        ([{"kind": "newsletter", "channel": "OTHER"}], "distribution.0.channel"),
        ([{"kind": "newsletter"}, {"kind": "newsletter"}], "distribution.1.kind"),
        ([{"kind": "billboard"}], "distribution.0.kind"),
        ([{"kind": "boost", "amount": "12.345"}], "distribution.0.amount"),
        ([{"kind": "newsletter", "note": "x" * 501}], "distribution.0.note"),
        ([{"kind": "cross_post", "channel": "OTHER", "note": str(n)} for n in range(11)], None),
    ],
)
def test_bad_distribution_is_a_400_naming_the_action_and_nothing_changes(
    world, strategist, plan_a, actions, field
) -> None:
    a, p = world.a, plan_a
    names = {"OWN": p["insta"], "OTHER": p["linkedin"]}
    actions = [
        {**x, "channel": names.get(x["channel"], x["channel"])} if "channel" in x else x
        for x in actions
    ]
    item = strategist.post(url(a, "items/"), plan_body(p), format="json").json()
    before = stored_actions(a)

    created = strategist.post(url(a, "items/"), item_body(p, distribution=actions), format="json")
    changed = strategist.patch(
        url(a, f"items/{item['id']}/"), {"distribution": actions}, format="json"
    )

    for answer in (created, changed):
        assert answer.status_code == 400, answer.json()
        assert (field or "distribution") in errors(answer), answer.json()
    assert stored_actions(a) == before
    with schema_context(a.brand.schema_name):
        assert PlanItem.objects.count() == 1


def test_an_unknown_audience_or_another_brands_is_refused(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    ours = {audience(a, "Home baristas")}
    # Ids are per brand schema: take one of brand B's that brand A does not have.
    theirs = next(
        pk for pk in (audience(world.b, f"Office managers {n}") for n in range(3)) if pk not in ours
    )

    answer = strategist.post(url(a, "items/"), item_body(p, audience=theirs), format="json")

    assert answer.status_code == 400
    assert "audience" in errors(answer)
    with schema_context(a.brand.schema_name):
        assert PlanItem.objects.count() == 0
        assert not AudienceProfile.objects.filter(pk=theirs).exists()


def test_moving_an_item_onto_the_channel_it_cross_posts_to_is_refused(
    world, strategist, plan_a
) -> None:
    a, p = world.a, plan_a
    item = strategist.post(url(a, "items/"), plan_body(p), format="json").json()

    moved = strategist.patch(url(a, f"items/{item['id']}/"), {"channel": p["linkedin"]})

    assert moved.status_code == 400
    assert "channel" in errors(moved)
    with schema_context(a.brand.schema_name):
        assert PlanItem.objects.get().channel_id == p["insta"]


def test_an_audience_removed_leaves_its_items_without_one(world, strategist, plan_a) -> None:
    a, p = world.a, plan_a
    barista = audience(a, "Home baristas")
    item = strategist.post(url(a, "items/"), item_body(p, audience=barista), format="json").json()

    with schema_context(a.brand.schema_name):
        AudienceProfile.objects.filter(pk=barista).delete()

    assert strategist.get(url(a, f"items/{item['id']}/")).json()["audience"] is None
