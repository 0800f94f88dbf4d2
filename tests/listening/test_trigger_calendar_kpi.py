"""Time-based triggers on the plan's calendar and on KPIs: a calendar event coming within the
lead time (or running) fires a trigger once per event, a KPI heading too far past its target
fires it once per period; both in the dry run, in the every-minute cycle through the due index,
and refused with a 400 naming the field when they name an event or KPI the brand lacks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from listening.models import Trigger, TriggerFiring, TriggerOccasion
from listening.schedule.models import BrandTriggerDue
from listening.services.cycle import evaluate_due_brands
from planning.models import Campaign, PlanItem
from planning.services.campaigns import create_campaign
from results.models import Department, Kpi, KpiTarget
from tenants.roles import Role
from tests.conftest import client_for
from tests.listening.conftest import briefs, channel, url
from tests.listening.test_events import events_of
from tests.listening.test_trigger_plan_item import pillar
from tests.listening.test_triggers import define, enable, firings
from tests.results.conftest import published_post

pytestmark = pytest.mark.django_db


def today(bw) -> date:
    return timezone.now().astimezone(ZoneInfo(bw.brand.timezone)).date()


def event(bw, name: str, starts_in: int, days: int = 3, kind: str = "launch") -> int:
    with schema_context(bw.brand.schema_name):
        start = today(bw) + timedelta(days=starts_in)
        return Campaign.objects.create(
            name=name, kind=kind, starts_on=start, ends_on=start + timedelta(days=days - 1)
        ).pk


def calendar_rule(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Launch coming",
        "condition": "calendar_event",
        "lead_days": 7,
        "cooldown_minutes": 60,
        "brief_title": "Tease the launch",
        "key_message": "Something new is coming.",
        **overrides,
    }


def kpi(bw, *, target: str = "20", direction: str = "at_least") -> int:
    with schema_context(bw.brand.schema_name):
        dept, _ = Department.objects.get_or_create(name="Marketing")
        made = Kpi.objects.create(
            name="Posts this month",
            metric="posts_published",
            period="month",
            direction=direction,
            target=Decimal(target),
            department=dept,
        )
        KpiTarget.objects.create(
            kpi=made,
            target=Decimal(target),
            direction=direction,
            set_at=timezone.now() - timedelta(days=400),
        )
        return made.pk


def kpi_rule(kpi_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Posting falls behind",
        "condition": "kpi_off_track",
        "kpi": kpi_id,
        "kpi_off_by_percent": 50,
        "cooldown_minutes": 60,
        "brief_title": "Catch up on posts",
        "key_message": "We have news to share.",
        **overrides,
    }


def a_post_this_month(bw, external_id: str = "p-1") -> None:
    """One post published in the brand's current month, at least a minute ago."""
    tz = ZoneInfo(bw.brand.timezone)
    now = timezone.now()
    month_start = now.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    at = max(now - timedelta(days=2), month_start + timedelta(seconds=1))
    published_post(bw, external_id, published_at=at)


def dry_run(bw, body: dict[str, Any]) -> Any:
    return client_for(bw.person(Role.STRATEGIST)).post(
        url(bw, "triggers/dry-run/"), body, format="json"
    )


def test_a_launch_within_the_lead_time_fires_once_in_the_cycle_and_is_an_event(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    launch = event(a, "Winter blend launch", starts_in=5)
    event(a, "Far away sale", starts_in=60, kind="peak")
    defined = define(a, **calendar_rule(calendar_event=launch))
    assert defined.status_code == 201, defined.json()
    assert defined.json()["calendar_event"] == launch
    enable(a, defined.json()["id"])
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        first = evaluate_due_brands(now=now)
    # Long after the cool-down, the same launch does not fire it again, and the brand is not
    # even visited: no other event the trigger watches is coming.
    later = evaluate_due_brands(now=now + timedelta(days=2))

    assert first == {a.brand.slug: 1} and later == {}
    (firing,) = firings(a)
    assert firing.inputs["event_id"] == launch
    assert firing.inputs["event"] == "Winter blend launch"
    assert firing.inputs["days_to_start"] == 5 and firing.matched == 5
    assert [b.title for b in briefs(a)] == ["Tease the launch"]
    assert "the launch 'Winter blend launch' (" in briefs(a)[0].goal
    assert "starts in 5 days" in briefs(a)[0].goal
    assert BrandTriggerDue.objects.get(brand_id=a.brand.pk).next_check_at is None
    (fired,) = events_of(a, "trigger.fired")
    assert fired["firing_id"] == firing.pk and fired["outcome"] == "brief_created"


def test_any_event_trigger_fires_once_per_event_and_a_new_event_wakes_it(world) -> None:
    a = world.a
    event(a, "Running promo", starts_in=-1)
    enable(a, define(a, **calendar_rule(lead_days=0)).json()["id"])
    now = timezone.now()

    assert evaluate_due_brands(now=now) == {a.brand.slug: 1}
    assert evaluate_due_brands(now=now + timedelta(hours=2)) == {}
    # Planning adds an event starting today: the trigger is judged at the next cycle. It runs
    # into tomorrow: two hours on may be past the brand's midnight, when a one-day event is over.
    with schema_context(a.brand.schema_name):
        create_campaign(
            name="Flash sale",
            kind="peak",
            starts_on=today(a),
            ends_on=today(a) + timedelta(days=1),
        )
    assert BrandTriggerDue.objects.get(brand_id=a.brand.pk).next_check_at is not None
    assert evaluate_due_brands(now=timezone.now() + timedelta(hours=2)) == {a.brand.slug: 1}

    assert [f.inputs["event"] for f in firings(a)] == ["Running promo", "Flash sale"]


def test_the_calendar_dry_run_lists_each_event_once_and_stores_nothing(world) -> None:
    a = world.a
    event(a, "Autumn launch", starts_in=-20, days=2)
    event(a, "Winter launch", starts_in=5)
    event(a, "Spring launch", starts_in=90)

    answer = dry_run(a, calendar_rule(lead_days=7))

    assert answer.status_code == 200, answer.json()
    would = answer.json()["would_fire"]
    # Autumn came within the lead time 27 days ago; Winter two days ago; Spring is too far.
    assert [w["matched"] for w in would] == [7, 7]
    tz = ZoneInfo(a.brand.timezone)
    assert [datetime.fromisoformat(w["at"]).astimezone(tz).date() for w in would] == [
        today(a) - timedelta(days=27),
        today(a) - timedelta(days=2),
    ]
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists() and not TriggerFiring.objects.exists()


def test_a_kpi_heading_far_below_target_fires_once_per_period_naming_the_kpi(world) -> None:
    a = world.a
    kpi_id = kpi(a, target="1000")
    a_post_this_month(a)
    enable(a, define(a, **kpi_rule(kpi_id)).json()["id"])
    now = timezone.now()

    assert evaluate_due_brands(now=now) == {a.brand.slug: 1}
    # Still off track an hour and a day later, but it fired for this month already.
    assert evaluate_due_brands(now=now + timedelta(hours=1, minutes=1)) == {}
    due = BrandTriggerDue.objects.get(brand_id=a.brand.pk).next_check_at
    tz = ZoneInfo(a.brand.timezone)
    assert due is not None and due.astimezone(tz).day == 1 and due > now

    (firing,) = firings(a)
    assert firing.inputs["kpi_id"] == kpi_id and firing.inputs["kpi"] == "Posts this month"
    assert firing.inputs["direction"] == "at_least" and firing.inputs["target"] == "1000.0000"
    assert firing.inputs["off_by_percent"] > 50
    assert "the KPI 'Posts this month' is heading" in briefs(a)[0].goal
    assert "target at least 1000.0000" in briefs(a)[0].goal


def test_a_kpi_within_the_allowed_gap_does_not_fire_and_is_checked_again_in_an_hour(
    world,
) -> None:
    a = world.a
    kpi_id = kpi(a, target="1")
    a_post_this_month(a)
    enable(a, define(a, **kpi_rule(kpi_id)).json()["id"])
    now = timezone.now()

    # Visited (its check was due), judged, nothing fired.
    assert evaluate_due_brands(now=now) == {a.brand.slug: 0}
    due = BrandTriggerDue.objects.get(brand_id=a.brand.pk).next_check_at
    assert due == now + timedelta(hours=1)
    assert firings(a) == []


def test_the_kpi_dry_run_fires_once_for_the_period_and_stores_nothing(world) -> None:
    a = world.a
    kpi_id = kpi(a, target="1000")
    a_post_this_month(a)

    answer = dry_run(a, kpi_rule(kpi_id))

    assert answer.status_code == 200, answer.json()
    would = answer.json()["would_fire"]
    tz = ZoneInfo(a.brand.timezone)
    months = [datetime.fromisoformat(w["at"]).astimezone(tz).strftime("%Y-%m") for w in would]
    # Once for this month (with the post in it far below its target), never twice a month.
    assert today(a).strftime("%Y-%m") in months and len(months) == len(set(months))
    assert all(w["matched"] > 50 for w in would)
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists() and not TriggerFiring.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"condition": "calendar_event", "calendar_event": 999_999}, "calendar_event"),
        ({"condition": "calendar_event", "lead_days": None}, "lead_days"),
        ({"condition": "calendar_event", "lead_days": 91}, "lead_days"),
        ({"condition": "kpi_off_track", "kpi": 999_999}, "kpi"),
        ({"condition": "kpi_off_track"}, "kpi"),
        ({"condition": "kpi_off_track", "kpi": "seven"}, "kpi"),
        ({"condition": "kpi_off_track", "kpi_off_by_percent": -5}, "kpi_off_by_percent"),
    ],
)
def test_unknown_events_and_kpis_are_a_400_naming_the_field(world, overrides, attr) -> None:
    a = world.a
    body = {**calendar_rule(), **overrides}

    refused = define(a, **body)

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == attr
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists()


def test_another_brands_event_or_kpi_is_unknown_here(world) -> None:
    a, b = world.a, world.b
    b_launch = event(b, "Bayside launch", starts_in=3)
    b_kpi = kpi(b)

    on_event = define(a, **calendar_rule(calendar_event=b_launch))
    on_kpi = define(a, **kpi_rule(b_kpi))
    from_b = define(a, client=client_for(b.person(Role.STRATEGIST)), **calendar_rule())

    assert on_event.status_code == 400 and on_event.json()["errors"][0]["attr"] == "calendar_event"
    assert on_kpi.status_code == 400 and on_kpi.json()["errors"][0]["attr"] == "kpi"
    assert from_b.status_code in (403, 404)
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists()


def test_a_trigger_whose_drafts_would_push_its_own_kpi_further_off_is_a_loop(world) -> None:
    a = world.a
    with schema_context(a.brand.schema_name):
        dept, _ = Department.objects.get_or_create(name="Marketing")
        cost = Kpi.objects.create(
            name="AI cost per post",
            metric="ai_cost_per_post",
            period="month",
            direction="at_most",
            target=Decimal("0.50"),
            department=dept,
        )
        KpiTarget.objects.create(
            kpi=cost, target=cost.target, direction="at_most", set_at=timezone.now()
        )

    refused = define(a, **kpi_rule(cost.pk))
    alerting = define(a, **kpi_rule(cost.pk, action="alert", brief_title="", key_message=""))

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0] == {
        "code": "trigger_loop",
        "detail": refused.json()["errors"][0]["detail"],
        "attr": "kpi",
    }
    assert alerting.status_code == 201, alerting.json()


def test_a_calendar_trigger_may_put_an_item_on_the_plan_without_feeding_itself(world) -> None:
    a = world.a
    event(a, "Winter blend launch", starts_in=2)
    body = calendar_rule(
        action="plan_item", channel=channel(a), plan_pillar=pillar(a), key_message=""
    )
    defined = define(a, **body)
    assert defined.status_code == 201, defined.json()
    enable(a, defined.json()["id"])
    now = timezone.now()

    assert evaluate_due_brands(now=now) == {a.brand.slug: 1}
    # The item it added is no calendar event: nothing new for the trigger to fire on.
    assert evaluate_due_brands(now=now + timedelta(days=1)) == {}

    with schema_context(a.brand.schema_name):
        (item,) = PlanItem.objects.all()
        assert item.campaign_id is None and item.title == "Tease the launch"
        assert "'Winter blend launch'" in item.notes
        assert TriggerOccasion.objects.count() == 1
