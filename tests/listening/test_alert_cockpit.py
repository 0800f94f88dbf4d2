"""An ``alert`` trigger puts its alert in the cross-brand cockpit of the person on duty (the
leads when nobody is), with the trigger, its evidence and a link, until one of them
acknowledges it: the acknowledgement is audited, a second one is a 409, and a member of another
brand is a 404 that changes nothing."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import CoverageWindow
from listening.models import TriggerAlert
from listening.receivers import reconcile_alert_attention
from listening.services.cycle import evaluate_due_brands
from tenants.attention.models import AttentionRow
from tenants.audit.models import AuditEntry
from tenants.roles import Role
from tests.conftest import client_for
from tests.listening.conftest import url
from tests.listening.test_events import events_of
from tests.listening.test_trigger_calendar_kpi import calendar_rule, event
from tests.listening.test_triggers import define, enable, firings

pytestmark = pytest.mark.django_db


def alert_rule(**overrides: Any) -> dict[str, Any]:
    return calendar_rule(
        name="Launch watch", action="alert", brief_title="", key_message="", **overrides
    )


def on_duty(bw, role: str) -> int:
    person = bw.person(role)
    with schema_context(bw.brand.schema_name):
        CoverageWindow.objects.create(
            user_id=person.pk, weekdays=[0, 1, 2, 3, 4, 5, 6], starts=time(0), ends=time(23, 59)
        )
    return person.pk


def cockpit(user) -> list[dict[str, Any]]:
    answer = client_for(user).get("/api/v1/attention/", {"kind": "trigger_alert"})
    assert answer.status_code == 200, answer.json()
    return answer.json()["results"]


def fire(bw, django_capture_on_commit_callbacks) -> TriggerAlert:
    """An alert trigger on a launch five days out, fired by the cycle."""
    launch = event(bw, "Winter blend launch", starts_in=5)
    enable(bw, define(bw, **alert_rule(calendar_event=launch)).json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_due_brands(now=timezone.now()) == {bw.brand.slug: 1}
    with schema_context(bw.brand.schema_name):
        return TriggerAlert.objects.get()


def acknowledge(bw, user, alert_id: int) -> Any:
    return client_for(user).post(url(bw, f"alerts/{alert_id}/acknowledge/"))


def test_the_person_on_duty_sees_the_alert_with_its_evidence_and_acknowledges_it(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    duty = on_duty(a, Role.COMMUNITY_MANAGER)
    alert = fire(a, django_capture_on_commit_callbacks)

    (row,) = cockpit(a.person(Role.COMMUNITY_MANAGER))
    assert row["brand"] == a.brand.slug and row["source_id"] == alert.pk
    assert row["title"].startswith(
        "Trigger 'Launch watch': the launch 'Winter blend launch' ("
    ) and row["title"].endswith("starts in 5 days (lead time 7 days).")
    assert row["link"] == f"/brands/{a.brand.slug}/api/v1/listening/alerts/{alert.pk}/"
    # Nobody else's cockpit, not even the leads' while someone is on duty.
    assert cockpit(a.person(Role.ACCOUNT_LEAD)) == []
    assert cockpit(world.b.person(Role.COMMUNITY_MANAGER)) == []

    shown = client_for(a.person(Role.COMMUNITY_MANAGER)).get(row["link"]).json()
    assert shown["trigger_name"] == "Launch watch" and shown["status"] == "open"
    assert shown["evidence"]["event"] == "Winter blend launch"
    assert shown["evidence"]["days_to_start"] == 5 and shown["on_duty"] == [duty]
    (fired,) = events_of(a, "trigger.fired")
    assert fired["alert_id"] == alert.pk and fired["outcome"] == "alert_sent"
    assert fired["alert_url"].endswith(f"/listening/alerts/{alert.pk}/")

    done = acknowledge(a, a.person(Role.COMMUNITY_MANAGER), alert.pk)

    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "acknowledged" and done.json()["acknowledged_by"] == duty
    assert cockpit(a.person(Role.COMMUNITY_MANAGER)) == []
    with schema_context(a.brand.schema_name):
        (entry,) = AuditEntry.objects.filter(action="trigger_alert.acknowledged")
    assert entry.actor_user_id == duty and entry.after["alert"] == alert.pk
    listed = client_for(a.person(Role.ANALYST)).get(url(a, "alerts/"), {"status": "open"})
    assert listed.status_code == 200 and listed.json()["results"] == []


def test_a_second_acknowledgement_is_a_409_and_changes_nothing(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    on_duty(a, Role.COMMUNITY_MANAGER)
    alert = fire(a, django_capture_on_commit_callbacks)
    first = acknowledge(a, a.person(Role.COMMUNITY_MANAGER), alert.pk)

    again = acknowledge(a, a.person(Role.ACCOUNT_LEAD), alert.pk)

    assert first.status_code == 200
    assert again.status_code == 409, again.json()
    assert again.json()["errors"][0]["code"] == "already_acknowledged"
    with schema_context(a.brand.schema_name):
        alert.refresh_from_db()
        assert alert.acknowledged_by_id == a.person(Role.COMMUNITY_MANAGER).pk
        assert AuditEntry.objects.filter(action="trigger_alert.acknowledged").count() == 1


def test_without_anyone_on_duty_the_leads_see_it(world, django_capture_on_commit_callbacks) -> None:
    a = world.a
    alert = fire(a, django_capture_on_commit_callbacks)

    assert [r["source_id"] for r in cockpit(a.person(Role.ACCOUNT_LEAD))] == [alert.pk]
    assert [r["source_id"] for r in cockpit(a.person(Role.AGENCY_ADMIN))] == [alert.pk]
    assert cockpit(a.person(Role.STRATEGIST)) == []
    assert alert.on_duty_ids == []


def test_a_member_of_another_brand_gets_a_404_and_the_alert_stays(
    world, django_capture_on_commit_callbacks
) -> None:
    a, b = world.a, world.b
    on_duty(a, Role.COMMUNITY_MANAGER)
    alert = fire(a, django_capture_on_commit_callbacks)

    # Bayside's lead, on Alpine's URL and on their own brand's.
    cross = acknowledge(a, b.person(Role.ACCOUNT_LEAD), alert.pk)
    own = acknowledge(b, b.person(Role.ACCOUNT_LEAD), alert.pk)
    unknown = acknowledge(a, a.person(Role.COMMUNITY_MANAGER), alert.pk + 1000)

    assert cross.status_code == 404 and own.status_code == 404, (cross.json(), own.json())
    assert unknown.status_code == 404
    with schema_context(a.brand.schema_name):
        alert.refresh_from_db()
        assert alert.status == "open" and alert.acknowledged_at is None
        assert not AuditEntry.objects.filter(action="trigger_alert.acknowledged").exists()
    assert len(cockpit(a.person(Role.COMMUNITY_MANAGER))) == 1


def test_removing_the_trigger_takes_its_alert_out_of_the_cockpit(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    on_duty(a, Role.COMMUNITY_MANAGER)
    fire(a, django_capture_on_commit_callbacks)
    (firing,) = firings(a)

    gone = client_for(a.person(Role.STRATEGIST)).delete(url(a, f"triggers/{firing.trigger_id}/"))

    assert gone.status_code == 204
    assert cockpit(a.person(Role.COMMUNITY_MANAGER)) == []


def test_the_reconciler_puts_a_lost_cockpit_row_back(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    on_duty(a, Role.COMMUNITY_MANAGER)
    fire(a, django_capture_on_commit_callbacks)
    AttentionRow.objects.filter(kind="trigger_alert").delete()

    with schema_context(a.brand.schema_name):
        fixed = reconcile_alert_attention()

    assert fixed == 1 and len(cockpit(a.person(Role.COMMUNITY_MANAGER))) == 1
    assert timezone.now() - timedelta(minutes=5) < AttentionRow.objects.get().since
