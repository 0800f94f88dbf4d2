"""Deciding steps: the chain moves on, drafts follow, and the rules hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from approvals import selectors, services
from approvals.errors import (
    ApprovalAlreadyDecided,
    NotAllowedToDecide,
    OwnDraft,
    ReasonRequired,
)
from approvals.models import ApprovalRequest, ApprovalStep, AuditEntry
from content import services as content_services
from content.models import Draft
from tenants import services as tenant_services
from tenants.roles import Role
from tests.approvals.conftest import T0, recipients
from tests.approvals.factories import DraftFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def open_post(world_brand, *, risk: int = 90, level: int = 1) -> tuple[Draft, ApprovalRequest]:
    """A high-risk post written by the copywriter: lead then client must sign off."""
    services.apply_preset(level=level, actor_id=None, now=T0)
    draft = DraftFactory(
        kind="post", risk_score=risk, created_by=world_brand.person(Role.COPYWRITER)
    )
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=risk, actor_id=None, now=T0
    )
    return draft, ApprovalRequest.objects.get(pk=result.request_id)


def open_step(request: ApprovalRequest) -> ApprovalStep:
    return request.steps.get(status="open")


def test_ready_draft_signal_opens_a_chain_and_puts_the_draft_in_review(in_a, commits) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    draft = DraftFactory(kind="post", status="draft", risk_score=20)
    with commits():
        content_services.mark_draft_ready(draft=draft)
    draft.refresh_from_db()
    assert draft.status == "in_review"
    request = ApprovalRequest.objects.get(subject_kind="post", subject_id=draft.pk)
    assert request.status == "open"
    assert open_step(request).roles == ["account_lead", "agency_admin"]


def test_approving_every_step_approves_the_draft_and_announces_it(in_a, heard, commits) -> None:
    draft, request = open_post(in_a)
    lead, client = in_a.person(Role.ACCOUNT_LEAD), in_a.person(Role.CLIENT_APPROVER)
    with commits():
        services.decide_step(step_id=open_step(request).pk, actor=lead, decision="approve", now=T0)
    draft.refresh_from_db()
    assert draft.status == "in_review"
    second = open_step(request)
    assert second.roles == ["client_approver"]
    assert client.email in recipients()
    with commits():
        services.decide_step(step_id=second.pk, actor=client, decision="approve", now=T0)
    draft.refresh_from_db()
    request.refresh_from_db()
    assert (draft.status, request.status) == ("approved", "approved")
    assert heard.decided == [
        {
            "subject_kind": "post",
            "subject_id": draft.pk,
            "outcome": "approved",
            "request_id": request.pk,
        }
    ]


def test_reject_needs_a_reason_and_nothing_changes_without_one(in_a) -> None:
    draft, request = open_post(in_a)
    step = open_step(request)
    with pytest.raises(ReasonRequired):
        services.decide_step(
            step_id=step.pk, actor=in_a.person(Role.ACCOUNT_LEAD), decision="reject", comment=" "
        )
    step.refresh_from_db()
    assert step.status == "open"
    assert not step.decisions.exists()


def test_reject_with_reason_rejects_the_draft_and_skips_the_rest(in_a, heard, commits) -> None:
    draft, request = open_post(in_a)
    with commits():
        services.decide_step(
            step_id=open_step(request).pk,
            actor=in_a.person(Role.ACCOUNT_LEAD),
            decision="reject",
            comment="Off-brand pun",
            now=T0,
        )
    draft.refresh_from_db()
    assert draft.status == "rejected"
    assert [s.status for s in request.steps.order_by("position")] == ["rejected", "skipped"]
    assert heard.decided[0]["outcome"] == "rejected"


def test_changes_requested_then_new_version_restarts_the_chain(in_a, commits) -> None:
    draft, request = open_post(in_a)
    with commits():
        services.decide_step(
            step_id=open_step(request).pk,
            actor=in_a.person(Role.ACCOUNT_LEAD),
            decision="request_changes",
            comment="Shorter, please",
            now=T0,
        )
    draft.refresh_from_db()
    assert draft.status == "changes_requested"
    revision = DraftFactory(
        kind="post",
        status="draft",
        risk_score=90,
        parent=draft,
        version=2,
        created_by=in_a.person(Role.COPYWRITER),
    )
    with commits():
        content_services.mark_draft_ready(draft=revision)
    again = ApprovalRequest.objects.get(subject_kind="post", subject_id=revision.pk)
    assert again.status == "open"
    assert again.supersedes_id == request.pk
    assert open_step(again).position == 1


def test_nobody_approves_their_own_draft(in_a) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    lead = in_a.person(Role.ACCOUNT_LEAD)
    draft = DraftFactory(kind="post", risk_score=50, created_by=lead)
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=50, actor_id=None, now=T0
    )
    step = ApprovalStep.objects.get(request_id=result.request_id)
    with pytest.raises(OwnDraft):
        services.decide_step(step_id=step.pk, actor=lead, decision="approve")
    assert step.pk not in set(selectors.pending_steps_for(user=lead).values_list("pk", flat=True))
    # The agency admin (another lead) may.
    services.decide_step(step_id=step.pk, actor=in_a.person(Role.AGENCY_ADMIN), decision="approve")
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_a_role_not_in_the_step_cannot_decide(in_a) -> None:
    _draft, request = open_post(in_a)
    step = open_step(request)
    with pytest.raises(NotAllowedToDecide):
        services.decide_step(
            step_id=step.pk, actor=in_a.person(Role.CLIENT_APPROVER), decision="approve"
        )
    step.refresh_from_db()
    assert step.status == "open"


def test_second_approver_gets_409_naming_who_decided(in_a) -> None:
    _draft, request = open_post(in_a)
    step = open_step(request)
    lead = in_a.person(Role.ACCOUNT_LEAD)
    services.decide_step(step_id=step.pk, actor=lead, decision="approve", now=T0)
    with pytest.raises(ApprovalAlreadyDecided) as caught:
        services.decide_step(
            step_id=step.pk,
            actor=in_a.person(Role.AGENCY_ADMIN),
            decision="reject",
            comment="no",
        )
    assert lead.username in caught.value.message
    assert caught.value.status_code == 409


def test_pending_queue_is_ordered_by_deadline(in_a) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    post = DraftFactory(kind="post", risk_score=50)
    reply = DraftFactory(kind="reply", risk_score=50)
    services.request_approval(
        subject_kind="post", subject_id=post.pk, risk_score=50, actor_id=None, now=T0
    )
    services.request_approval(
        subject_kind="reply",
        subject_id=reply.pk,
        risk_score=50,
        actor_id=None,
        now=T0 + timedelta(minutes=5),
    )
    queue = list(selectors.pending_steps_for(user=in_a.person(Role.ACCOUNT_LEAD)))
    assert [s.request.subject_kind for s in queue] == ["reply", "post"]
    assert list(selectors.pending_steps_for(user=in_a.person(Role.CLIENT_APPROVER))) == []


def test_database_refuses_reopening_a_decided_step(in_a) -> None:
    _draft, request = open_post(in_a)
    step = open_step(request)
    services.decide_step(
        step_id=step.pk, actor=in_a.person(Role.ACCOUNT_LEAD), decision="approve", now=T0
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalStep.objects.filter(pk=step.pk).update(
            status="open", next_action_at=T0, decided_at=None
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.filter(pk=request.pk).update(status="approved", finished_at=T0)
        ApprovalRequest.objects.filter(pk=request.pk).update(status="rejected")


def test_every_transition_is_audited_and_the_trail_cannot_be_edited(in_a) -> None:
    draft, request = open_post(in_a)
    lead, client = in_a.person(Role.ACCOUNT_LEAD), in_a.person(Role.CLIENT_APPROVER)
    services.decide_step(step_id=open_step(request).pk, actor=lead, decision="approve", now=T0)
    services.decide_step(step_id=open_step(request).pk, actor=client, decision="approve", now=T0)
    trail = AuditEntry.objects.filter(request_id=request.pk).order_by("id")
    assert [(e.action, e.actor_id) for e in trail] == [
        ("request_opened", in_a.person(Role.COPYWRITER).pk),
        ("step_opened", in_a.person(Role.COPYWRITER).pk),
        ("decision_recorded", lead.pk),
        ("step_approved", lead.pk),
        ("step_opened", lead.pk),
        ("decision_recorded", client.pk),
        ("step_approved", client.pk),
        ("request_finished", client.pk),
    ]
    finished = trail.last()
    assert (finished.before, finished.after) == ({"status": "open"}, {"status": "approved"})
    # The first step, written open with its request, is audited as the second, opened later
    first_open, second_open = trail.filter(action="step_opened")
    assert first_open.before == second_open.before
    assert first_open.before["status"] == "waiting"
    assert first_open.after["status"] == "open"
    assert first_open.after["deadline_at"] is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=finished.pk).update(detail="tampered")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=finished.pk).delete()


def test_level_one_informs_the_client_when_the_lead_approves(in_a, commits) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    draft = DraftFactory(kind="post", risk_score=20, created_by=in_a.person(Role.COPYWRITER))
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=20, actor_id=None, now=T0
    )
    step = ApprovalStep.objects.get(request_id=result.request_id)
    with commits():
        services.decide_step(
            step_id=step.pk, actor=in_a.person(Role.ACCOUNT_LEAD), decision="approve", now=T0
        )
    from django.core import mail

    informed = [m for m in mail.outbox if m.subject.endswith(f"Approved: post #{draft.pk}")]
    assert [m.to for m in informed] == [[in_a.person(Role.CLIENT_APPROVER).email]]


def test_reason_is_accepted_as_the_comment(in_a) -> None:
    _draft, request = open_post(in_a)
    services.decide_step(
        step_id=open_step(request).pk,
        actor=in_a.person(Role.ACCOUNT_LEAD),
        decision="reject",
        reason="Wrong product photo",
        now=T0,
    )
    assert request.steps.get(position=1).decisions.get().comment == "Wrong product photo"


def test_boost_chain_announces_the_outcome_for_the_media_app(in_a, heard, commits) -> None:
    from decimal import Decimal

    services.apply_preset(level=2, actor_id=None, now=T0)
    specialist = in_a.person(Role.MEDIA_SPECIALIST)
    result = services.request_approval(
        subject_kind="boost",
        subject_id=31,
        risk_score=0,
        actor_id=specialist.pk,
        amount=Decimal("1200.00"),
        currency="EUR",
        summary="Boost the winter blend post",
        now=T0,
    )
    assert result.needs_approval
    step = ApprovalStep.objects.get(request_id=result.request_id)
    assert step.roles == ["account_lead", "agency_admin"]
    assert step.deadline_at == T0 + timedelta(hours=24)
    with commits():
        services.decide_step(
            step_id=step.pk, actor=in_a.person(Role.ACCOUNT_LEAD), decision="approve", now=T0
        )
    assert heard.decided == [
        {
            "subject_kind": "boost",
            "subject_id": 31,
            "outcome": "approved",
            "request_id": result.request_id,
        }
    ]


def test_withdrawn_boost_request_is_closed_without_an_outcome_signal(in_a, heard, commits) -> None:
    from decimal import Decimal

    result = services.request_approval(
        subject_kind="boost",
        subject_id=32,
        risk_score=0,
        actor_id=None,
        amount=Decimal("9000"),
        currency="EUR",
        now=T0,
    )
    with commits():
        assert services.withdraw_request(subject_kind="boost", subject_id=32, actor_id=None)
    request = ApprovalRequest.objects.get(pk=result.request_id)
    assert request.status == "withdrawn"
    assert set(request.steps.values_list("status", flat=True)) == {"skipped"}
    assert heard.decided == []
    assert not services.withdraw_request(subject_kind="boost", subject_id=32, actor_id=None)


def test_new_version_ready_while_old_one_is_in_review_withdraws_the_old_chain(in_a) -> None:
    draft, request = open_post(in_a)
    revision = DraftFactory(kind="post", risk_score=90, parent=draft, version=2)
    result = services.request_approval(
        subject_kind="post", subject_id=revision.pk, risk_score=90, actor_id=None, now=T0
    )
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert ApprovalRequest.objects.get(pk=result.request_id).supersedes_id == request.pk
    # The old version leaves review for good instead of waiting there for ever.
    draft.refresh_from_db()
    assert draft.status == "superseded"


def test_all_step_leaves_the_queue_of_a_second_person_with_an_approved_role(in_a) -> None:
    services.apply_preset(level=1, actor_id=None, now=T0)
    services.update_chain_rule(
        kind="post",
        band="low",
        steps=[{"roles": ["account_lead", "client_pr"], "mode": "all", "deadline_minutes": 60}],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    second_pr = UserFactory(username="alpine-second-pr")
    tenant_services.add_member(brand=in_a.brand, user=second_pr, role=Role.CLIENT_PR)
    draft = DraftFactory(kind="post", risk_score=5)
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None, now=T0
    )
    step = ApprovalStep.objects.get(request_id=result.request_id)
    assert step.pk in {s.pk for s in selectors.pending_steps_for(user=second_pr)}
    services.decide_step(
        step_id=step.pk, actor=in_a.person(Role.CLIENT_PR), decision="approve", now=T0
    )
    assert step.pk not in {s.pk for s in selectors.pending_steps_for(user=second_pr)}
    assert step.pk in {
        s.pk for s in selectors.pending_steps_for(user=in_a.person(Role.ACCOUNT_LEAD))
    }
    with pytest.raises(ApprovalAlreadyDecided):
        services.decide_step(step_id=step.pk, actor=second_pr, decision="approve", now=T0)


def test_someone_escalated_to_who_may_not_decide_is_refused_by_the_service(in_a) -> None:
    # The one check the API and the phone view share: no 'approvals.decide', no decision.
    _draft, request = open_post(in_a)
    step = open_step(request)
    viewer = in_a.person(Role.CLIENT_VIEWER)
    ApprovalStep.objects.filter(pk=step.pk).update(escalated_to_ids=[viewer.pk])
    with pytest.raises(NotAllowedToDecide):
        services.decide_step(step_id=step.pk, actor=viewer, decision="approve", now=T0)
    step.refresh_from_db()
    assert step.status == "open"
    assert not step.decisions.exists()
