"""The ``plan_item`` action: a firing puts one item on the brand's rolling plan for a strategist
to start, and makes nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import Draft
from listening.models import Trigger, TriggerFiring
from listening.services.triggers import evaluate_triggers
from planning.models import Pillar, PlanItem
from tenants.audit.models import AuditEntry
from tenants.roles import Role
from tests.conftest import announced, client_for
from tests.listening.conftest import audience, briefs, channel, send, url
from tests.listening.test_events import events_of
from tests.listening.test_triggers import buzz, define, enable, firings, trigger_body

pytestmark = pytest.mark.django_db


def pillar(bw: Any, name: str = "Seasonal drinks") -> int:
    with schema_context(bw.brand.schema_name):
        return Pillar.objects.create(name=name, target_share=40).pk


def plan_rule(channel_id: int, pillar_id: int | None, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Plan for the buzz",
        "action": "plan_item",
        "channel": channel_id,
        "plan_pillar": pillar_id,
        "key_message": "",
        **overrides,
    }


def items(bw: Any) -> list[PlanItem]:
    with schema_context(bw.brand.schema_name):
        return list(PlanItem.objects.order_by("pk"))


def evaluate(bw: Any, now=None) -> list[TriggerFiring]:
    with schema_context(bw.brand.schema_name):
        return evaluate_triggers(brand=bw.brand, now=now or timezone.now())


def test_a_firing_puts_one_item_on_the_plan_for_the_audience_active_day(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    insta, coffee = channel(a), pillar(a)
    commuters = audience(a, active_hours=["18:00-20:00"])
    defined = define(a, **plan_rule(insta, coffee, audience=commuters))
    assert defined.status_code == 201, defined.json()
    assert defined.json()["plan_pillar"] == coffee
    enable(a, defined.json()["id"])
    send(a, buzz(3))
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        (firing,) = evaluate(a, now)
        # Inside the cool-down nothing more is added.
        assert evaluate(a, now + timedelta(minutes=30)) == []

    (item,) = items(a)
    tz = ZoneInfo(a.brand.timezone)
    assert firing.target_at is not None
    assert firing.target_at.astimezone(tz).hour == 18
    assert (item.channel_id, item.pillar_id) == (insta, coffee)
    assert item.planned_on == firing.target_at.astimezone(tz).date()
    assert item.title == "Ride the oat latte buzz"
    assert item.status == "planned" and item.publish_time is None
    assert "Written by the trigger 'Plan for the buzz'" in item.notes
    assert "3 mention signals about 'oat latte'" in item.notes
    assert (firing.outcome, firing.plan_item_id) == ("plan_item_added", item.pk)
    # Nothing else: no brief, no draft; the strategist starts the item.
    assert briefs(a) == []
    with schema_context(a.brand.schema_name):
        assert not Draft.objects.exists()
    # Integrators hear of it with the item's id.
    (event,) = events_of(a, "trigger.fired")
    assert (event["outcome"], event["plan_item_id"]) == ("plan_item_added", item.pk)
    # Its links lead to the item, and to no brief (there is none).
    assert event["plan_item_url"].endswith(f"/plan/items/{item.pk}/")
    assert event["brief_url"] is None
    fired = AuditEntry.objects.get(brand_id=a.brand.pk, action="trigger.fired")
    assert fired.after["plan_item"] == item.pk


def test_without_an_audience_the_item_is_on_the_brand_day_of_firing_titled_by_the_name(
    world,
) -> None:
    a = world.a
    insta, coffee = channel(a), pillar(a)
    enable(a, define(a, **plan_rule(insta, coffee, brief_title="")).json()["id"])
    send(a, buzz(3))
    now = timezone.now()

    (firing,) = evaluate(a, now)

    (item,) = items(a)
    assert item.planned_on == now.astimezone(ZoneInfo(a.brand.timezone)).date()
    assert item.title == "Plan for the buzz"
    assert firing.target_at is None and firing.plan_item_id == item.pk


@pytest.mark.parametrize("which", ["missing", "foreign"])
def test_a_missing_or_foreign_pillar_is_a_400_naming_it_and_nothing_is_saved(world, which) -> None:
    a = world.a
    insta = channel(a)
    foreign = pillar(world.b)

    refused = define(a, **plan_rule(insta, None if which == "missing" else foreign))

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == "plan_pillar"
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists()


def test_a_plan_item_rule_needs_a_channel(world) -> None:
    a = world.a

    refused = define(a, **plan_rule(None, pillar(a)))  # type: ignore[arg-type]

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == "channel"


def test_changing_a_trigger_to_an_unknown_pillar_is_a_400_and_leaves_it_as_it_was(world) -> None:
    a = world.a
    insta, coffee = channel(a), pillar(a)
    trigger_id = define(a, **plan_rule(insta, coffee)).json()["id"]

    refused = client_for(a.person(Role.STRATEGIST)).patch(
        url(a, f"triggers/{trigger_id}/"), {"plan_pillar": coffee + 1000}, format="json"
    )

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == "plan_pillar"
    with schema_context(a.brand.schema_name):
        assert Trigger.objects.get().plan_pillar_id == coffee


def test_when_planning_refuses_the_item_the_firing_says_why_and_adds_nothing(world) -> None:
    a = world.a
    insta, coffee = channel(a), pillar(a)
    enable(a, define(a, **plan_rule(insta, coffee)).json()["id"])
    # The pillar goes away after the trigger was defined.
    with schema_context(a.brand.schema_name):
        Pillar.objects.filter(pk=coffee).delete()
    send(a, buzz(3))

    (firing,) = evaluate(a)

    assert (firing.outcome, firing.plan_item_id) == ("plan_item_refused", None)
    assert f"no pillar {coffee}" in firing.detail
    assert items(a) == []
    with schema_context(a.brand.schema_name):
        (payload,) = announced("listening.trigger_fired")
    assert (payload["outcome"], payload["plan_item_id"]) == ("plan_item_refused", None)


def test_the_dry_run_of_a_plan_item_rule_adds_no_item(world) -> None:
    a = world.a
    insta, coffee = channel(a), pillar(a)
    send(a, buzz(3, minutes_ago=30))

    dry = client_for(a.person(Role.STRATEGIST)).post(
        url(a, "triggers/dry-run/"), trigger_body(**plan_rule(insta, coffee)), format="json"
    )

    assert dry.status_code == 200, dry.json()
    assert [w["matched"] for w in dry.json()["would_fire"]] == [3]
    assert items(a) == [] and firings(a) == []
