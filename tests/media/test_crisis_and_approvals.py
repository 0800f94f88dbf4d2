"""The approvals seam: a crisis holds new and active boosts; approval outcomes move boosts."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from media import approval_gate
from media.models import Boost
from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import boosts_url, propose, running_boost, status_of

pytestmark = pytest.mark.django_db


def crisis(bw, active: bool) -> None:
    with schema_context(bw.brand.schema_name):
        approval_gate.crisis_changed.send(sender=None, active=active)


def test_a_crisis_pauses_active_boosts_and_holds_approved_ones(world, budgets) -> None:
    active = running_boost(world.a)
    approved = propose(world.a)
    crisis(world.a, True)
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
    crisis(world.a, True)
    body = propose(world.a, budget_total="1200.00")
    assert (body["status"], body["crisis_hold"]) == ("proposed", True)
    assert "crisis" in body["status_note"]
    crisis(world.a, False)
    with schema_context(world.a.brand.schema_name):
        released = Boost.objects.get(pk=body["id"])
    assert (released.status, released.crisis_hold) == ("pending_approval", False)


def test_stand_down_restores_exactly_what_the_crisis_paused(world, budgets) -> None:
    by_crisis = running_boost(world.a)
    by_hand = running_boost(world.a)
    client = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    client.post(boosts_url(world.a, f"{by_hand.pk}/pause/"))
    crisis(world.a, True)
    crisis(world.a, False)
    assert status_of(world.a, by_crisis.pk) == "active"
    assert status_of(world.a, by_hand.pk) == "paused"
    settings = client.get(f"/brands/{world.a.brand.slug}/api/v1/media-settings/").json()
    assert settings["crisis_active"] is False


def test_approval_outcomes_from_the_approvals_app_move_pending_boosts(world, budgets) -> None:
    first = propose(world.a, budget_total="1200.00")
    second = propose(world.a, budget_total="1300.00")
    third = propose(world.a, budget_total="1400.00")
    with schema_context(world.a.brand.schema_name):
        send = approval_gate.approval_decided.send
        send(sender=None, subject_kind="boost", subject_id=first["id"], outcome="approved")
        send(sender=None, subject_kind="boost", subject_id=second["id"], outcome="rejected")
        send(sender=None, subject_kind="boost", subject_id=third["id"], outcome="expired")
        # A repeat, and another kind's outcome with the same id, change nothing.
        send(sender=None, subject_kind="boost", subject_id=second["id"], outcome="approved")
        send(sender=None, subject_kind="draft", subject_id=first["id"], outcome="rejected")
    assert status_of(world.a, first["id"]) == "approved"
    assert status_of(world.a, second["id"]) == "cancelled"
    assert status_of(world.a, third["id"]) == "cancelled"


def test_two_deciders_at_once_one_wins_the_other_gets_409(world, budgets) -> None:
    body = propose(world.a, budget_total="1200.00")
    url = boosts_url(world.a, f"{body['id']}/decision/")
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    admin = client_for(world.a.person(Role.AGENCY_ADMIN))
    assert lead.post(url, {"outcome": "approved"}).status_code == 200
    late = admin.post(url, {"outcome": "rejected", "note": "too much"})
    assert late.status_code == 409
    assert status_of(world.a, body["id"]) == "approved"


def test_spend_thresholds_are_per_currency_and_editable_by_leads(world, budgets) -> None:
    url = f"/brands/{world.a.brand.slug}/api/v1/media-settings/"
    tiers = {
        "EUR": [{"up_to": "100", "approvers": []}, {"up_to": None, "approvers": ["client_pr"]}]
    }
    refused = client_for(world.a.person(Role.MEDIA_SPECIALIST)).patch(
        url, {"spend_thresholds": tiers}
    )
    assert refused.status_code == 403
    saved = client_for(world.a.person(Role.ACCOUNT_LEAD)).patch(url, {"spend_thresholds": tiers})
    assert saved.status_code == 200
    assert saved.json()["spend_thresholds"]["EUR"][1]["approvers"] == ["client_pr"]
    body = propose(world.a, budget_total="300.00")
    assert body["status"] == "pending_approval"
    assert "client_pr" in body["approval_note"]
    bad = client_for(world.a.person(Role.ACCOUNT_LEAD)).patch(
        url, {"spend_thresholds": {"EUR": [{"up_to": "5", "approvers": ["boss"]}]}}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "spend_thresholds"
