"""Integrators hear of listening through webhook events: a trigger firing and a crisis
warning (docs/webhooks.md)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from integrations.models import Event
from listening.services.crisis import watch_for_crisis
from listening.services.triggers import evaluate_triggers
from tests.listening.conftest import send
from tests.listening.test_crisis import storm
from tests.listening.test_triggers import buzz, define, enable

pytestmark = pytest.mark.django_db


def events_of(bw, event_type: str) -> list[dict]:
    with schema_context(bw.brand.schema_name):
        return [e.data for e in Event.objects.filter(type=event_type).order_by("created_at")]


def test_a_firing_is_a_trigger_fired_event_once(world, django_capture_on_commit_callbacks) -> None:
    a = world.a
    trigger_id = define(a).json()["id"]
    enable(a, trigger_id)
    send(a, buzz(3))

    with schema_context(a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            (firing,) = evaluate_triggers(brand=a.brand)
        with django_capture_on_commit_callbacks(execute=True):
            assert evaluate_triggers(brand=a.brand) == []

    (event,) = events_of(a, "trigger.fired")
    assert (event["trigger_id"], event["firing_id"], event["matched"]) == (
        trigger_id,
        firing.pk,
        3,
    )
    assert event["outcome"] == "brief_created"
    assert event["brief_url"].endswith(f"/briefs/{firing.brief_id}/")
    assert event["plan_item_url"] is None


def test_a_crisis_warning_is_an_event_with_its_evidence(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    send(a, storm(8, sources=("x", "tiktok")))

    with schema_context(a.brand.schema_name), django_capture_on_commit_callbacks(execute=True):
        warning = watch_for_crisis(brand=a.brand)

    (event,) = events_of(a, "crisis.warning")
    assert (event["warning_id"], event["severity"]) == (warning.pk, 2)
    assert event["negative"] == 8 and event["sources"] == ["tiktok", "x"]
    assert "court" not in str(event)
