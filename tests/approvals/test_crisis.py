"""The crisis ladder: entering crisis tightens everything; standing down restores it exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from approvals import selectors, services
from approvals.errors import IncidentClosed
from approvals.models import ApprovalRequest, ApprovalStep, AuditEntry, ChainRule
from content.models import Draft
from tenants.roles import Role
from tests.approvals.conftest import T0
from tests.approvals.factories import DraftFactory

pytestmark = pytest.mark.django_db
CRISIS_ROLES = ["client_pr", "client_legal", "account_lead"]


def ask(kind: str, risk: int, *, at=T0):
    draft = DraftFactory(kind=kind, risk_score=risk)
    result = services.request_approval(
        subject_kind=kind, subject_id=draft.pk, risk_score=risk, actor_id=None, now=at
    )
    return draft, result


def rules_snapshot() -> list[tuple]:
    return list(ChainRule.objects.order_by("kind", "band").values_list("kind", "band", "steps"))


def test_crisis_tightens_everything_and_stand_down_restores_it(in_a, heard, commits) -> None:
    services.apply_preset(level=2, actor_id=None, now=T0)
    rules_before = rules_snapshot()
    released, _ = ask("reply", 5)  # cleared without sign-off: approved, not yet published
    published, _ = ask("reply", 5)
    Draft.objects.filter(pk=published.pk).update(status="published")
    pending, pending_result = ask("post", 50)  # waiting for the lead
    owner = in_a.person(Role.CLIENT_PR)

    with commits():
        incident = services.open_incident(
            summary="Recall rumour", severity=4, owner_id=owner.pk, actor_id=owner.pk, now=T0
        )
    assert selectors.brand_in_crisis()
    assert heard.crisis == [True]
    released.refresh_from_db()
    published.refresh_from_db()
    assert (released.status, published.status) == ("in_review", "published")
    crisis_step = ApprovalStep.objects.get(request_id=pending_result.request_id, position=2)
    assert (crisis_step.roles, crisis_step.mode, crisis_step.status) == (
        CRISIS_ROLES,
        "all",
        "waiting",
    )
    # Autonomy is level 0 for everything new, with the crisis team last in every chain.
    _new, new_result = ask("reply", 5, at=T0 + timedelta(minutes=1))
    assert new_result.needs_approval
    assert "level 0 (crisis)" in new_result.reason
    new_request = ApprovalRequest.objects.get(pk=new_result.request_id)
    assert [s.roles for s in new_request.steps.order_by("position")][-1] == CRISIS_ROLES

    with commits():
        services.update_incident(
            incident_id=incident.pk,
            severity=2,
            note="Rumour debunked",
            actor_id=owner.pk,
            now=T0 + timedelta(hours=1),
        )
    assert not selectors.brand_in_crisis()
    assert heard.crisis == [True, False]
    released.refresh_from_db()
    assert released.status == "approved"
    crisis_step.refresh_from_db()
    assert crisis_step.status == "skipped"
    assert rules_snapshot() == rules_before
    assert services.get_policy().level == 2
    _after, after_result = ask("reply", 5, at=T0 + timedelta(hours=2))
    assert not after_result.needs_approval
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    for action in [
        "incident_opened",
        "crisis_entered",
        "draft_held",
        "crisis_step_added",
        "incident_updated",
        "crisis_stood_down",
        "crisis_step_withdrawn",
        "draft_released",
    ]:
        assert action in actions
    timeline = list(incident.timeline.values_list("severity_before", "severity_after"))
    assert timeline == [(None, 4), (4, 2)]


def test_crisis_team_must_all_approve_and_stand_down_finishes_their_open_step(
    in_a, heard, commits
) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    _draft, result = ask("post", 50)
    services.open_incident(summary="Outage", severity=5, owner_id=None, actor_id=None, now=T0)
    lead_step = ApprovalStep.objects.get(request_id=result.request_id, position=1)
    services.decide_step(
        step_id=lead_step.pk, actor=in_a.person(Role.AGENCY_ADMIN), decision="approve", now=T0
    )
    crisis_step = ApprovalStep.objects.get(request_id=result.request_id, position=2)
    assert crisis_step.status == "open"
    services.decide_step(
        step_id=crisis_step.pk, actor=in_a.person(Role.CLIENT_PR), decision="approve", now=T0
    )
    crisis_step.refresh_from_db()
    assert crisis_step.status == "open"  # legal and the account lead still to approve
    incident = selectors.incidents().first()
    with commits():
        services.update_incident(incident_id=incident.pk, close=True, actor_id=None, now=T0)
    request = ApprovalRequest.objects.get(pk=result.request_id)
    assert request.status == "approved"
    assert heard.decided[-1]["outcome"] == "approved"


def test_escalations_go_to_the_crisis_team_in_a_crisis(in_a, commits) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    _draft, result = ask("reply", 50)
    services.open_incident(summary="Storm", severity=3, owner_id=None, actor_id=None, now=T0)
    with commits():
        services.sweep_due_brands(now=T0 + timedelta(minutes=31))
    step = ApprovalStep.objects.get(request_id=result.request_id, position=1)
    team = {in_a.person(r).pk for r in (Role.CLIENT_PR, Role.CLIENT_LEGAL, Role.ACCOUNT_LEAD)}
    assert set(step.escalated_to_ids) == team


def test_below_threshold_incident_is_not_a_crisis_until_it_escalates(in_a, heard, commits) -> None:
    with commits():
        incident = services.open_incident(
            summary="Grumpy thread", severity=1, owner_id=None, actor_id=None, now=T0
        )
    assert not selectors.brand_in_crisis()
    with commits():
        services.update_incident(incident_id=incident.pk, severity=3, actor_id=None, now=T0)
    assert selectors.brand_in_crisis()
    assert heard.crisis == [True]


def test_closed_incident_takes_no_updates(in_a) -> None:
    incident = services.open_incident(
        summary="Typo", severity=1, owner_id=None, actor_id=None, now=T0
    )
    services.update_incident(incident_id=incident.pk, close=True, actor_id=None, now=T0)
    with pytest.raises(IncidentClosed):
        services.update_incident(incident_id=incident.pk, note="again", actor_id=None, now=T0)
