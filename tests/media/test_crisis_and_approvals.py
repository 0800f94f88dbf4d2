"""Boosts and the approvals app: a crisis holds new and active boosts, approval outcomes move
boosts, and the approvals policy decides who signs off how much spend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approval_services
from media.models import Boost
from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import (
    boosts_url,
    brand_api,
    committed,
    decide,
    enter_crisis,
    open_step_of,
    propose,
    running_boost,
    stand_down,
    status_of,
)

pytestmark = pytest.mark.django_db


def test_a_crisis_pauses_active_boosts_and_holds_approved_ones(world, budgets) -> None:
    active = running_boost(world.a)
    approved = propose(world.a)
    enter_crisis(world.a)
    with schema_context(world.a.brand.schema_name):
        held = Boost.objects.get(pk=active.pk)
    assert (held.status, held.pause_reason, held.crisis_hold) == ("paused", "crisis", True)
    client = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    for boost_id, verb in ((approved["id"], "activate"), (active.pk, "resume")):
        response = client.post(boosts_url(world.a, f"{boost_id}/{verb}/"))
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "brand_in_crisis"
    assert status_of(world.a, approved["id"]) == "approved"
    assert status_of(world.a, active.pk) == "paused"
    # The other brand is not in crisis.
    assert propose(world.b)["status"] == "approved"


def test_a_proposal_during_a_crisis_is_held_and_goes_for_sign_off_on_stand_down(
    world, budgets
) -> None:
    incident = enter_crisis(world.a)
    body = propose(world.a, budget_total="1200.00")
    assert (body["status"], body["crisis_hold"]) == ("proposed", True)
    assert "crisis" in body["status_note"]
    assert body["approval_request_id"] is None
    resubmit = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        boosts_url(world.a, f"{body['id']}/submit/")
    )
    assert resubmit.status_code == 409
    assert resubmit.json()["errors"][0]["code"] == "brand_in_crisis"
    stand_down(world.a, incident)
    with schema_context(world.a.brand.schema_name):
        released = Boost.objects.get(pk=body["id"])
    assert (released.status, released.crisis_hold) == ("pending_approval", False)
    # Its sign-off is the normal one again: the account lead decides it.
    assert decide(world.a, body["id"], Role.ACCOUNT_LEAD).status_code == 200
    assert status_of(world.a, body["id"]) == "approved"


def test_stand_down_restores_exactly_what_the_crisis_paused(world, budgets) -> None:
    by_crisis = running_boost(world.a)
    by_hand = running_boost(world.a)
    client = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    client.post(boosts_url(world.a, f"{by_hand.pk}/pause/"))
    incident = enter_crisis(world.a)
    stand_down(world.a, incident)
    assert status_of(world.a, by_crisis.pk) == "active"
    assert status_of(world.a, by_hand.pk) == "paused"
    crisis = client.get(brand_api(world.a, "approvals/crisis/")).json()
    assert crisis["active"] is False


def test_a_pending_boost_stays_pending_through_a_crisis_and_is_decided_after(
    world, budgets
) -> None:
    body = propose(world.a, budget_total="1200.00")
    incident = enter_crisis(world.a)
    with schema_context(world.a.brand.schema_name):
        assert Boost.objects.get(pk=body["id"]).crisis_hold is True
    stand_down(world.a, incident)
    assert status_of(world.a, body["id"]) == "pending_approval"
    assert decide(world.a, body["id"], Role.ACCOUNT_LEAD).status_code == 200
    assert status_of(world.a, body["id"]) == "approved"


def test_approval_outcomes_from_the_approvals_app_move_pending_boosts(world, budgets) -> None:
    first = propose(world.a, budget_total="1200.00")
    second = propose(world.a, budget_total="1300.00")
    third = propose(world.a, budget_total="1400.00")
    assert decide(world.a, first["id"], Role.ACCOUNT_LEAD).status_code == 200
    rejected = decide(world.a, second["id"], Role.AGENCY_ADMIN, "reject", "Too much for May.")
    assert rejected.status_code == 200
    # Nobody decides the third: its step escalates, then expires, and the request with it.
    with committed(world.a):
        later = timezone.now() + timedelta(days=2)
        approval_services.sweep_brand(now=later)
        approval_services.sweep_brand(now=later + timedelta(days=2))
    assert status_of(world.a, first["id"]) == "approved"
    assert status_of(world.a, second["id"]) == "cancelled"
    assert status_of(world.a, third["id"]) == "cancelled"
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    assert (
        "Too much for May."
        in viewer.get(boosts_url(world.a, f"{second['id']}/")).json()["status_note"]
    )
    assert "expired" in viewer.get(boosts_url(world.a, f"{third['id']}/")).json()["status_note"]


def test_an_outcome_for_another_request_or_kind_changes_nothing(
    world, budgets, django_capture_on_commit_callbacks
) -> None:
    from approvals.services.notify import announce_outcome

    body = propose(world.a, budget_total="1200.00")
    with (
        schema_context(world.a.brand.schema_name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        announce_outcome(
            subject_kind="boost",
            subject_id=body["id"],
            outcome="approved",
            request_id=body["approval_request_id"] + 1000,
        )
        announce_outcome(
            subject_kind="post",
            subject_id=body["id"],
            outcome="approved",
            request_id=body["approval_request_id"],
        )
    assert status_of(world.a, body["id"]) == "pending_approval"


def test_two_deciders_at_once_one_wins_the_other_gets_409(world, budgets) -> None:
    body = propose(world.a, budget_total="1200.00")
    step_id = open_step_of(world.a, body["id"])
    assert decide(world.a, body["id"], Role.ACCOUNT_LEAD, step_id=step_id).status_code == 200
    late = decide(world.a, body["id"], Role.AGENCY_ADMIN, "reject", "too much", step_id=step_id)
    assert late.status_code == 409
    assert "already decided" in late.json()["errors"][0]["detail"]
    assert status_of(world.a, body["id"]) == "approved"


def test_spend_thresholds_come_from_the_approvals_policy_and_only_leads_change_them(
    world, budgets
) -> None:
    url = brand_api(world.a, "approvals/policy/")
    cheaper = {"boost_no_signoff_up_to": "100.00", "boost_lead_up_to": "250.00"}
    refused = client_for(world.a.person(Role.MEDIA_SPECIALIST)).patch(url, cheaper)
    assert refused.status_code == 403
    other_brand = client_for(world.b.person(Role.ACCOUNT_LEAD)).patch(url, cheaper)
    assert other_brand.status_code in (403, 404)
    assert propose(world.a, budget_total="300.00")["status"] == "approved"
    saved = client_for(world.a.person(Role.ACCOUNT_LEAD)).patch(url, cheaper)
    assert saved.status_code == 200
    assert saved.json()["boost_lead_up_to"] == "250.00"
    # 300 EUR is now above what the lead alone may sign off: the lead, then the client.
    body = propose(world.a, budget_total="300.00")
    assert body["status"] == "pending_approval"
    assert "client_approver" in body["approval_note"]
    assert propose(world.b, budget_total="300.00")["status"] == "approved"  # B's own policy
    bad = client_for(world.a.person(Role.ACCOUNT_LEAD)).patch(
        url, {"boost_no_signoff_up_to": "900.00", "boost_lead_up_to": "100.00"}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "boost_lead_up_to"
