"""More conditions and actions for triggers: a change against the 28-day baseline, an absence
of posts on a channel, an alert to the person on duty and a suggested crisis level; each with
its dry run, its audit entry and its webhook event, and never a post published."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import Channel, Draft
from listening.models import CrisisWarning, Signal, Trigger, TriggerFiring
from listening.schedule.models import BrandTriggerDue
from listening.services.triggers import check_time_based, evaluate_triggers
from media.models import Boost
from media.services.budgets import set_monthly_budget
from outbox.notifications import EMAIL
from tenants.audit.models import AuditEntry
from tenants.roles import Role
from tests.conftest import announced, client_for
from tests.listening.conftest import briefs, channel, send, signal, url
from tests.listening.test_triggers import define, enable, firings

pytestmark = pytest.mark.django_db


def history(bw, *, per_hour: int, hours: int = 28 * 24, topic: str = "delays") -> None:
    """``per_hour`` matching mentions in each of the last ``hours`` hours but the latest."""
    now = timezone.now()
    with schema_context(bw.brand.schema_name):
        Signal.objects.bulk_create(
            Signal(
                kind="mention",
                source="x",
                external_id=f"usual-{h}-{n}",
                topic=topic,
                observed_at=now - timedelta(hours=h, minutes=30),
            )
            for h in range(1, hours)
            for n in range(per_hour)
        )


def spike(n: int, *, minutes_ago: int = 5, topic: str = "delays") -> list[dict[str, Any]]:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return [signal(f"spike-{i}", at, source="x", topic=topic) for i in range(n)]


def baseline_rule(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Unusual delay talk",
        "condition": "baseline",
        "min_z_score": 4,
        "kind": "mention",
        "topic": "delays",
        "threshold": 5,
        "cooldown_minutes": 240,
        "brief_title": "Answer the delay talk",
        "key_message": "Here is what is happening with the delays.",
        **overrides,
    }


def evaluate(bw) -> list[TriggerFiring]:
    with schema_context(bw.brand.schema_name):
        return evaluate_triggers(brand=bw.brand, now=timezone.now())


def test_a_spike_against_the_baseline_fires_and_the_same_count_on_a_busy_brand_does_not(
    world,
) -> None:
    a, b = world.a, world.b
    history(a, per_hour=1)
    history(b, per_hour=12)
    for bw in (a, b):
        enable(bw, define(bw, **baseline_rule()).json()["id"])
        send(bw, spike(14))

    fired_a, fired_b = evaluate(a), evaluate(b)

    assert len(fired_a) == 1 and fired_b == []
    (firing,) = firings(a)
    # 14 in the hour against about one an hour over 28 days.
    assert firing.matched == 14
    assert firing.inputs["condition"] == "baseline"
    assert 0.9 <= firing.inputs["baseline_mean"] <= 1.0
    assert firing.inputs["z_score"] >= 4
    (brief,) = briefs(a)
    assert "standard deviations above the last 28 days" in brief.goal
    assert briefs(b) == []


def test_the_baseline_dry_run_finds_the_spike_and_creates_nothing(world) -> None:
    a = world.a
    history(a, per_hour=1)
    send(a, spike(14, minutes_ago=120))

    dry = client_for(a.person(Role.STRATEGIST)).post(
        url(a, "triggers/dry-run/"), baseline_rule(), format="json"
    )

    assert dry.status_code == 200, dry.json()
    (would,) = dry.json()["would_fire"]
    # The spike's minute plus the usual mention of the hour it fell in, at most.
    assert 14 <= would["matched"] <= 15
    assert briefs(a) == [] and firings(a) == []
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists()


def post(bw, channel_id: int, days_ago: float) -> None:
    with schema_context(bw.brand.schema_name):
        Draft.objects.create(
            kind="post",
            channel_id=channel_id,
            text="A post",
            status="published",
            external_id=f"post-{days_ago}",
            published_at=timezone.now() - timedelta(days=days_ago),
        )


def absence_rule(channel_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Instagram gone quiet",
        "condition": "absence",
        "absence_days": 3,
        "channel": channel_id,
        "cooldown_minutes": 24 * 60,
        "brief_title": "Back on Instagram",
        "key_message": "What is new this week.",
        **overrides,
    }


def check(bw, now=None) -> list[TriggerFiring]:
    with schema_context(bw.brand.schema_name):
        return check_time_based(brand=bw.brand, now=now or timezone.now())


def test_a_quiet_channel_fires_once_per_cool_down_and_a_post_pushes_the_next_check(
    world,
) -> None:
    a = world.a
    insta = channel(a)
    post(a, insta, days_ago=5)
    trigger_id = define(a, **absence_rule(insta)).json()["id"]
    enable(a, trigger_id)
    # Enabled: judged at the next cycle, and the public index knows when.
    due = BrandTriggerDue.objects.get(brand_id=a.brand.pk)
    assert due.next_check_at is not None and due.next_check_at <= timezone.now()

    first = check(a)
    again = check(a, timezone.now() + timedelta(hours=2))

    assert len(first) == 1 and again == []
    (brief,) = briefs(a)
    assert "no post on alpine for 5 days (limit 3)" in brief.goal
    with schema_context(a.brand.schema_name):
        trigger = Trigger.objects.get(pk=trigger_id)
        # Next judged when the cool-down ends: the silence goes on.
        assert trigger.next_check_at == trigger.last_fired_at + timedelta(days=1)
    # A post today: next judged three days after it.
    post(a, insta, days_ago=0)
    assert check(a, trigger.next_check_at) == []
    with schema_context(a.brand.schema_name):
        trigger.refresh_from_db()
        assert trigger.next_check_at > timezone.now() + timedelta(days=2, hours=23)
    assert len(briefs(a)) == 1


def test_the_absence_dry_run_lists_each_silence_long_enough(world) -> None:
    a = world.a
    insta = channel(a)
    with schema_context(a.brand.schema_name):
        # The channel was added before the month the dry run looks at.
        Channel.objects.filter(pk=insta).update(created_at=timezone.now() - timedelta(days=60))
    for days_ago in (40, 20, 18, 7):
        post(a, insta, days_ago)

    dry = client_for(a.person(Role.STRATEGIST)).post(
        url(a, "triggers/dry-run/"),
        absence_rule(insta, absence_days=5, cooldown_minutes=7 * 24 * 60),
        format="json",
    )

    assert dry.status_code == 200, dry.json()
    days_ago = [
        round((timezone.now() - _at(w["at"])).total_seconds() / 86400)
        for w in dry.json()["would_fire"]
    ]
    # Quiet from 40 to 20 days ago: it fired before the month began, then weekly at 28 and
    # 21; quiet from 18 to 7: at 13 (5 days after the post) and not again before the post;
    # quiet since 7: 2 days ago (5 days after it, the cool-down over by then).
    assert days_ago == [28, 21, 13, 2]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"condition": "baseline"}, "min_z_score"),
        ({"condition": "baseline", "min_z_score": 0.5}, "min_z_score"),
        ({"condition": "absence", "absence_days": 3}, "channel"),
        ({"condition": "absence"}, "absence_days"),
        ({"condition": "horoscope"}, "condition"),
        ({"action": "crisis"}, "severity"),
        ({"action": "crisis", "severity": 6}, "severity"),
        ({"action": "alert", "request_drafts": True, "channel": None}, "action"),
        ({"action": "brief", "brief_title": ""}, "brief_title"),
    ],
)
def test_incomplete_conditions_and_actions_are_a_400_naming_the_field(
    world, overrides, attr
) -> None:
    a = world.a

    refused = define(a, **overrides)

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == attr
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists()


def test_an_alert_trigger_emails_the_leads_when_nobody_is_on_duty_and_writes_no_brief(
    world,
) -> None:
    a = world.a
    body = {**baseline_rule(), "action": "alert", "brief_title": "", "key_message": ""}
    enable(a, define(a, **body).json()["id"])
    history(a, per_hour=1)
    send(a, spike(14))

    (firing,) = evaluate(a)

    assert firing.outcome == "alert_sent"
    assert briefs(a) == []
    with schema_context(a.brand.schema_name):
        told = {(e["to"], e["subject"]) for e in announced(EMAIL)}
        fired_event = announced("listening.trigger_fired")
    assert {to for to, _ in told} == {
        a.person(Role.AGENCY_ADMIN).email,
        a.person(Role.ACCOUNT_LEAD).email,
    }
    assert all("Trigger 'Unusual delay talk' fired" in subject for _, subject in told)
    assert fired_event[-1]["action"] == "alert" and fired_event[-1]["outcome"] == "alert_sent"


def test_a_crisis_trigger_suggests_its_level_once_with_the_evidence(world) -> None:
    a = world.a
    body = {
        **baseline_rule(),
        "action": "crisis",
        "severity": 3,
        "cooldown_minutes": 60,
        "brief_title": "",
        "key_message": "",
    }
    trigger_id = define(a, **body).json()["id"]
    enable(a, trigger_id)
    history(a, per_hour=1)
    send(a, spike(14, minutes_ago=70))

    with schema_context(a.brand.schema_name):
        (firing,) = evaluate_triggers(brand=a.brand, now=timezone.now() - timedelta(minutes=61))
    send(a, [signal(f"again-{i}", source="x", topic="delays") for i in range(14)])
    later = evaluate(a)
    with schema_context(a.brand.schema_name):
        warning = CrisisWarning.objects.get()

    assert (firing.outcome, firing.warning_id) == ("crisis_suggested", warning.pk)
    assert (warning.severity, warning.status) == (3, "open")
    assert warning.evidence["trigger_id"] == trigger_id
    # The spike, and the usual mention of the hour it fell in.
    assert warning.evidence["matched"] == 15
    # After the cool-down the open warning is already as severe: nothing new to tell.
    assert [f.outcome for f in later] == ["crisis_known"]
    assert briefs(a) == []
    fired = AuditEntry.objects.filter(brand_id=a.brand.pk, action="trigger.fired")
    assert [e.after["warning"] for e in fired.order_by("pk")] == [warning.pk, None]
    listed = client_for(a.person(Role.STRATEGIST)).get(url(a, f"triggers/{trigger_id}/firings/"))
    assert [f["warning"] for f in listed.json()["results"]] == [None, warning.pk]


def test_a_baseline_or_crisis_rule_on_brandroom_own_signals_is_refused_as_a_loop(world) -> None:
    a = world.a

    baseline = define(a, **baseline_rule(source="brandroom"))
    crisis = define(
        a,
        name="Own inbox storm",
        source="Brandroom",
        action="crisis",
        severity=2,
        brief_title="",
        key_message="",
    )

    for refused in (baseline, crisis):
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["code"] == "trigger_loop"
        assert refused.json()["errors"][0]["attr"] == "source"
    with schema_context(a.brand.schema_name):
        assert not Trigger.objects.exists()


def boost_rule(channel_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        **baseline_rule(),
        "name": "Boost the buzz",
        "action": "boost",
        "channel": channel_id,
        "boost_budget": "150.00",
        "boost_days": 3,
        "brief_title": "",
        "key_message": "",
        **overrides,
    }


def budget(bw, amount: str) -> None:
    today = timezone.now().date()
    with schema_context(bw.brand.schema_name):
        for month in (today, today + timedelta(days=31)):
            set_monthly_budget(month=month, amount=Decimal(amount))


def test_a_boost_trigger_proposes_a_boost_for_approval_within_the_month_budget(world) -> None:
    a = world.a
    insta = channel(a)
    post(a, insta, days_ago=1)
    budget(a, "1000")
    enable(a, define(a, **boost_rule(insta)).json()["id"])
    history(a, per_hour=1)
    send(a, spike(14))

    (firing,) = evaluate(a)

    with schema_context(a.brand.schema_name):
        boost = Boost.objects.get()
    assert (firing.outcome, firing.boost_id) == ("boost_proposed", boost.pk)
    assert boost.budget_total == Decimal("150")
    # Proposed and offered for sign-off like any other: never running by itself.
    assert boost.status in ("pending_approval", "approved")
    assert briefs(a) == []


def test_a_boost_over_the_month_budget_is_refused_and_the_firing_says_why(world) -> None:
    a = world.a
    insta = channel(a)
    post(a, insta, days_ago=1)
    budget(a, "100")
    enable(a, define(a, **boost_rule(insta)).json()["id"])
    history(a, per_hour=1)
    send(a, spike(14))

    (firing,) = evaluate(a)

    assert firing.outcome == "boost_refused" and firing.boost_id is None
    assert "budget" in firing.detail.lower()
    with schema_context(a.brand.schema_name):
        assert not Boost.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"boost_budget": None}, "boost_budget"),
        ({"boost_budget": "0"}, "boost_budget"),
        ({"boost_days": 31}, "boost_days"),
        ({"channel": None}, "channel"),
    ],
)
def test_an_incomplete_boost_rule_is_a_400_naming_the_field(world, overrides, attr) -> None:
    a = world.a
    insta = channel(a)

    refused = define(a, **boost_rule(insta, **overrides))

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == attr
