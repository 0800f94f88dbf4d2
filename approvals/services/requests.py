"""Approval requests as a state machine: open, decide, remind, escalate, time out, finish.

Transitions are conditional UPDATEs on rows locked with SELECT ... FOR UPDATE, so a step or
request only moves out of ``open`` once; the database constraints on the models refuse any
state that the rules do not allow (an open step without a due time, a decided step without a
time, two open requests for the same subject).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import presets
from approvals.errors import (
    ApprovalAlreadyDecided,
    ApprovalsError,
    NotAllowedToDecide,
    OwnDraft,
    ReasonRequired,
    StepNotFound,
    StepNotOpen,
)
from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    AutonomyPolicy,
    Decision,
    SubjectKind,
    TimeoutRule,
)
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.rota import escalation_targets, quiet_until
from approvals.services.audit import record
from approvals.services.deadlines import next_action_at, reminders_due, sync_brand_due
from approvals.services.notify import (
    display_name,
    email_on_commit,
    event_on_commit,
    member_ids_who_may,
    member_ids_with_roles,
    step_link,
)
from approvals.services.policy import band_for, chain_for, get_policy
from approvals.signals import approval_decided
from approvals.tenancy import brand_local
from content import selectors as content_selectors
from content import services as content_services
from content.errors import ContentError
from tenants.models import User
from tenants.roles import role_may
from tenants.selectors import current_brand, role_on_brand

Status = ApprovalRequest.Status
StepStatus = ApprovalStep.Status
Verdict = Decision.Verdict

DRAFT_KINDS = (SubjectKind.POST, SubjectKind.REPLY)
# The draft status each outcome gives (an expired request sends the draft back to its writer).
DRAFT_STATUS_FOR = {
    Status.APPROVED: "approved",
    Status.NOT_REQUIRED: "approved",
    Status.REJECTED: "rejected",
    Status.CHANGES_REQUESTED: "changes_requested",
    Status.EXPIRED: "draft",
    # Only a newer version withdraws a draft's request: the old one is history now.
    Status.WITHDRAWN: "superseded",
}
VERDICT_ALIASES = {
    "approve": Verdict.APPROVE,
    "approved": Verdict.APPROVE,
    "reject": Verdict.REJECT,
    "rejected": Verdict.REJECT,
    "request_changes": Verdict.REQUEST_CHANGES,
    "changes_requested": Verdict.REQUEST_CHANGES,
}
STEP_OUTCOME = {
    Verdict.APPROVE: StepStatus.APPROVED,
    Verdict.REJECT: StepStatus.REJECTED,
    Verdict.REQUEST_CHANGES: StepStatus.CHANGES_REQUESTED,
}


def _local(moment: datetime) -> str:
    """A time as the brand's people read it (the worker has no request time zone)."""
    return brand_local(moment).strftime("%Y-%m-%d %H:%M %Z")


@dataclass(frozen=True)
class ApprovalDecisionResult:
    """What the policy decided for a subject: sign-off needed (with the open request) or not."""

    needs_approval: bool
    request_id: int | None
    reason: str


def _request_state(request: ApprovalRequest) -> dict[str, Any]:
    return {"status": request.status}


def _step_state(step: ApprovalStep) -> dict[str, Any]:
    return {
        "status": step.status,
        "deadline_at": step.deadline_at.isoformat() if step.deadline_at else None,
        "reminders_sent": step.reminders_sent,
        "escalated_to_ids": list(step.escalated_to_ids),
    }


def _audit_step(
    step: ApprovalStep,
    action: str,
    *,
    now: datetime,
    before: dict[str, Any] | None,
    actor_id: int | None = None,
    detail: str = "",
) -> None:
    request = step.request
    record(
        action=action,
        at=now,
        actor_id=actor_id,
        subject_kind=request.subject_kind,
        subject_id=request.subject_id,
        request_id=request.pk,
        step_id=step.pk,
        before=before,
        after=_step_state(step),
        detail=detail,
    )


def crisis_step_spec(kind: str) -> dict[str, Any] | None:
    """The crisis team's step for a kind: every crisis role that has someone on the brand."""
    staffed = set(
        role
        for role in presets.CRISIS_ROLES
        if member_ids_with_roles([role])  # one small query per role; three roles at most
    )
    roles = [r for r in presets.CRISIS_ROLES if r in staffed]
    if not roles:
        return None
    spec = presets.step(kind, roles, mode="all")
    spec["is_crisis_step"] = True
    return spec


def _new_step(request: ApprovalRequest, position: int, spec: dict[str, Any]) -> ApprovalStep:
    return ApprovalStep(
        request=request,
        position=position,
        roles=spec["roles"],
        mode=spec.get("mode", "any"),
        deadline_minutes=spec["deadline_minutes"],
        reminder_minutes=spec.get("reminder_minutes", []),
        on_timeout=spec.get("on_timeout", TimeoutRule.ESCALATE),
        is_crisis_step=spec.get("is_crisis_step", False),
    )


def deciders_of(step: ApprovalStep) -> list[int]:
    """Everyone who may still decide the step (its roles and anyone it was escalated to),
    except the requester and whoever already decided it."""
    ids = member_ids_with_roles(step.roles)
    ids += [i for i in step.escalated_to_ids if i not in ids]
    # Nobody is asked to decide who may not (a chain naming such a role, an old escalation).
    ids = member_ids_who_may("approvals.decide", ids)
    decided = set(step.decisions.values_list("decider_id", flat=True)) if step.pk else set()
    return [i for i in ids if i != step.request.requested_by_id and i not in decided]


def _open_step(step: ApprovalStep, *, now: datetime, actor_id: int | None) -> None:
    before = _step_state(step)
    step.status = StepStatus.OPEN
    step.opened_at = now
    step.deadline_at = step.first_deadline_at = now + timedelta(minutes=step.deadline_minutes)
    step.next_action_at = next_action_at(step)
    updated = ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.WAITING).update(
        status=step.status,
        opened_at=step.opened_at,
        deadline_at=step.deadline_at,
        first_deadline_at=step.first_deadline_at,
        next_action_at=step.next_action_at,
    )
    if updated != 1:
        raise ApprovalAlreadyDecided(f"Step {step.pk} has already moved on.")
    _audit_step(step, "step_opened", now=now, before=before, actor_id=actor_id)
    request = step.request
    local = _local(step.deadline_at)
    email_on_commit(
        user_ids=deciders_of(step),
        subject=f"Decision needed: {request.subject_kind} #{request.subject_id}",
        body=(
            f"{request.summary}\n\nPlease decide by {local}.\nWhy it needs you: {request.reason}\n"
            f"\nDecide here: {step_link(step.pk)}\n"
        ),
    )


def _close_step(
    step: ApprovalStep, status: str, *, now: datetime, decided_by_id: int | None
) -> None:
    before = _step_state(step)
    updated = ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.OPEN).update(
        status=status, decided_at=now, decided_by_id=decided_by_id, next_action_at=None
    )
    if updated != 1:
        raise ApprovalAlreadyDecided(f"Step {step.pk} has already been decided.")
    step.status, step.decided_at, step.decided_by_id = status, now, decided_by_id
    step.next_action_at = None
    _audit_step(step, f"step_{status}", now=now, before=before, actor_id=decided_by_id)


def _move_draft(
    request: ApprovalRequest, status: str, *, expected: list[str], now: datetime
) -> None:
    """Move the request's draft; a draft that moved on meanwhile is recorded, not overwritten."""
    try:
        content_services.set_draft_status(
            draft_id=request.subject_id, status=status, expected=expected
        )
    except ContentError as exc:
        record(
            action="draft_status_unchanged",
            at=now,
            subject_kind=request.subject_kind,
            subject_id=request.subject_id,
            request_id=request.pk,
            after={"wanted": status, "expected": expected},
            detail=exc.message,
        )


def finish_request(
    request: ApprovalRequest, outcome: str, *, now: datetime, actor_id: int | None
) -> None:
    """Close an open request with ``outcome``: skip what is left, move the draft, tell people."""
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=Status.OPEN).update(
        status=outcome, finished_at=now
    )
    if updated != 1:
        raise ApprovalAlreadyDecided(f"Request {request.pk} has already finished.")
    request.status, request.finished_at = outcome, now
    for left in ApprovalStep.objects.filter(
        request=request, status__in=[StepStatus.WAITING, StepStatus.OPEN]
    ).order_by("position"):
        before = _step_state(left)
        ApprovalStep.objects.filter(pk=left.pk).update(
            status=StepStatus.SKIPPED, next_action_at=None
        )
        left.status, left.next_action_at, left.request = StepStatus.SKIPPED, None, request
        _audit_step(left, "step_skipped", now=now, before=before, actor_id=actor_id)
    record(
        action="request_finished",
        at=now,
        actor_id=actor_id,
        subject_kind=request.subject_kind,
        subject_id=request.subject_id,
        request_id=request.pk,
        before={"status": Status.OPEN},
        after=_request_state(request),
    )
    if request.subject_kind in DRAFT_KINDS and outcome in DRAFT_STATUS_FOR:
        _move_draft(request, DRAFT_STATUS_FOR[outcome], expected=["in_review"], now=now)
    if outcome == Status.WITHDRAWN:
        # No outcome for the subject (nobody decided), but integrators tracking the request
        # must hear that it is closed: a newer draft version replaced it, or a boost was
        # cancelled.
        event_on_commit(
            kind="request_withdrawn",
            payload={
                "request_id": request.pk,
                "subject_kind": request.subject_kind,
                "subject_id": request.subject_id,
                "outcome": Status.WITHDRAWN.value,
            },
        )
        return
    if request.inform_roles and outcome == Status.APPROVED:
        email_on_commit(
            user_ids=member_ids_with_roles(request.inform_roles),
            subject=f"Approved: {request.subject_kind} #{request.subject_id}",
            body=f"{request.summary}\n\nFor your information: this was approved.",
        )
    kind, subject_id, request_id = request.subject_kind, request.subject_id, request.pk
    schema = current_brand().schema_name
    transaction.on_commit(
        lambda: approval_decided.send_robust(
            sender=ApprovalRequest,
            subject_kind=kind,
            subject_id=subject_id,
            outcome=outcome,
            request_id=request_id,
            schema_name=schema,
        )
    )


def _advance(request: ApprovalRequest, *, now: datetime, actor_id: int | None) -> None:
    """Open the next waiting step, or finish the request as approved when none is left."""
    following = (
        ApprovalStep.objects.select_related("request")
        .filter(request=request, status=StepStatus.WAITING)
        .order_by("position")
        .first()
    )
    if following is None:
        finish_request(request, Status.APPROVED, now=now, actor_id=actor_id)
    else:
        _open_step(following, now=now, actor_id=actor_id)


def request_approval(
    *,
    subject_kind: str,
    subject_id: int,
    risk_score: int,
    requested_by_id: int | None,
    amount: Decimal | None = None,
    currency: str | None = None,
    summary: str = "",
    now: datetime | None = None,
) -> ApprovalDecisionResult:
    """Ask the brand's policy about a subject: clear it (recording why) or open its chain.

    Drafts (post, reply) are moved to approved or in_review here; a boost's status is the
    media app's to move. Asking again while a request is open returns that request.
    """
    now = now or timezone.now()
    if subject_kind not in SubjectKind.values:
        raise ApprovalsError(f"Unknown subject kind '{subject_kind}'.", field="subject_kind")
    if subject_kind == SubjectKind.BOOST and (amount is None or not currency):
        raise ApprovalsError("A boost needs its amount and currency.", field="amount")
    flagged = False
    flag_names: tuple[str, ...] = ()
    needs_person_reason = ""
    supersedes: ApprovalRequest | None = None
    if subject_kind in DRAFT_KINDS:
        draft = content_selectors.get_draft(draft_id=subject_id)
        # Flags name checks that fired; labels (offline_generated, regenerated) only inform.
        flag_names = tuple(draft.flags or ())
        flagged = bool(flag_names)
        # The content checks decided a person must see this one, whatever the level or chain.
        if draft.needs_person:
            needs_person_reason = draft.needs_person_reason or "Needs a person."
        # The author is the one who may never approve it, whoever asked on their behalf.
        requested_by_id = draft.created_by_id or requested_by_id
        summary = summary or draft.text[:200]
        if draft.parent_id:
            supersedes = (
                ApprovalRequest.objects.filter(
                    subject_kind=subject_kind, subject_id=draft.parent_id
                )
                .order_by("-created_at", "-id")
                .first()
            )
    try:
        with transaction.atomic():
            return _request_approval(
                subject_kind=subject_kind,
                subject_id=subject_id,
                risk_score=risk_score,
                requested_by_id=requested_by_id,
                amount=amount,
                currency=(currency or "").upper(),
                summary=summary,
                flagged=flagged,
                flag_names=flag_names,
                needs_person_reason=needs_person_reason,
                supersedes=supersedes,
                now=now,
            )
    except IntegrityError:
        # Lost a race with another request for the same subject: that one stands.
        existing = ApprovalRequest.objects.filter(
            subject_kind=subject_kind, subject_id=subject_id, status=Status.OPEN
        ).first()
        if existing is None:
            raise
        return ApprovalDecisionResult(True, existing.pk, existing.reason)


def _request_approval(
    *,
    subject_kind: str,
    subject_id: int,
    risk_score: int,
    requested_by_id: int | None,
    amount: Decimal | None,
    currency: str,
    summary: str,
    flagged: bool,
    flag_names: tuple[str, ...] = (),
    needs_person_reason: str = "",
    supersedes: ApprovalRequest | None,
    now: datetime,
) -> ApprovalDecisionResult:
    existing = ApprovalRequest.objects.filter(
        subject_kind=subject_kind, subject_id=subject_id, status=Status.OPEN
    ).first()
    if existing is not None:
        return ApprovalDecisionResult(True, existing.pk, existing.reason)
    if supersedes is not None and supersedes.status == Status.OPEN:
        # A newer version is up for review: the chain restarts for it, the old one stops.
        stale = ApprovalRequest.objects.select_for_update().filter(
            pk=supersedes.pk, status=Status.OPEN
        )
        for old in stale:
            finish_request(old, Status.WITHDRAWN, now=now, actor_id=requested_by_id)
    policy: AutonomyPolicy = get_policy()
    in_crisis = brand_in_crisis()
    band, band_why = band_for(
        policy=policy,
        kind=subject_kind,
        risk_score=risk_score,
        flagged=flagged,
        flag_names=flag_names,
        amount=amount,
        currency=currency,
    )
    specs, inform, level = chain_for(
        policy=policy, kind=subject_kind, band=band, in_crisis=in_crisis
    )
    if needs_person_reason:
        band_why = f"{band_why}; {needs_person_reason.rstrip('.')}"
        if not specs:
            # No level or chain rule may let this through unseen: the agency lead signs off.
            specs = [presets.step(subject_kind, presets.LEAD_ROLES)]
    if in_crisis and (crisis_spec := crisis_step_spec(subject_kind)) is not None:
        specs = [*specs, crisis_spec]
    if specs:
        who = " then ".join("/".join(s["roles"]) for s in specs)
        reason = f"level {level}{' (crisis)' if in_crisis else ''}: {band_why}; needs {who}"
    else:
        reason = f"level {level}: {band_why}; no sign-off needed"
    request = ApprovalRequest.objects.create(
        subject_kind=subject_kind,
        subject_id=subject_id,
        risk_score=risk_score,
        band=band,
        amount=amount,
        currency=currency,
        summary=summary[:500],
        requested_by_id=requested_by_id,
        status=Status.OPEN if specs else Status.NOT_REQUIRED,
        reason=reason[:500],
        level=level,
        inform_roles=inform,
        opened_in_crisis=in_crisis,
        supersedes=supersedes,
        created_at=now,
        finished_at=None if specs else now,
    )
    record(
        action="request_opened" if specs else "request_not_required",
        at=now,
        actor_id=requested_by_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        request_id=request.pk,
        before=None,
        after={"status": request.status, "band": band, "level": level, "steps": specs},
        detail=reason,
    )
    if not specs:
        if subject_kind in DRAFT_KINDS:
            _move_draft(request, "approved", expected=["ready"], now=now)
        return ApprovalDecisionResult(False, None, reason)
    steps = ApprovalStep.objects.bulk_create(
        _new_step(request, position, spec) for position, spec in enumerate(specs, start=1)
    )
    if subject_kind in DRAFT_KINDS:
        _move_draft(request, "in_review", expected=["ready"], now=now)
    first = steps[0]
    first.request = request
    _open_step(first, now=now, actor_id=requested_by_id)
    sync_brand_due()
    event_on_commit(
        kind="request_opened",
        payload={"request_id": request.pk, "subject_kind": subject_kind, "subject_id": subject_id},
    )
    return ApprovalDecisionResult(True, request.pk, reason)


def _already_decided_error(step: ApprovalStep) -> ApprovalAlreadyDecided:
    last = step.decisions.order_by("-created_at", "-id").first()
    if last is not None:
        who = f"{display_name(last.decider_id)} ({last.role})"
        when = brand_local(last.created_at).strftime("%H:%M %Z")
        return ApprovalAlreadyDecided(
            f"This step was already decided by {who} at {when}: {last.verdict}."
        )
    if step.status == StepStatus.EXPIRED:
        return ApprovalAlreadyDecided("This step expired before anyone decided it.")
    if step.status == StepStatus.APPROVED and step.decided_by_id is None:
        return ApprovalAlreadyDecided("This step was approved automatically at its deadline.")
    return ApprovalAlreadyDecided(f"This step is {step.status} and can no longer be decided.")


def check_may_decide(
    *, step: ApprovalStep, decider_id: int, role: str | None, earlier: list[Decision]
) -> None:
    """Raise the reason this person may not decide the step now, given its ``earlier``
    decisions. Every path to a decision (API, phone view, an escalation) goes through here."""
    if not role_may(role, "approvals.decide"):
        raise NotAllowedToDecide(
            f"Your role ({role or 'none'}) may not decide approvals on this brand."
        )
    if step.status == StepStatus.WAITING:
        raise StepNotOpen("This step is not open yet: an earlier step must be decided first.")
    if step.status != StepStatus.OPEN:
        raise _already_decided_error(step)
    if decider_id == step.request.requested_by_id:
        raise OwnDraft("Nobody approves their own work: ask another approver.")
    escalated_here = decider_id in step.escalated_to_ids
    if not escalated_here and role not in step.roles:
        raise NotAllowedToDecide(
            f"This step is for {', '.join(step.roles)}; your role is {role or 'none'}."
        )
    mine = next((d for d in earlier if d.decider_id == decider_id), None)
    if mine is not None:
        raise ApprovalAlreadyDecided(f"You already decided this step: {mine.verdict}.")
    same_role = next((d for d in earlier if d.role == role and d.verdict == Verdict.APPROVE), None)
    if step.mode == "all" and same_role is not None and not escalated_here:
        raise ApprovalAlreadyDecided(
            f"{display_name(same_role.decider_id)} already approved for {role}."
        )


def may_decide(*, step: ApprovalStep, user: User) -> bool:
    """Whether ``user`` could decide the step right now (the phone view shows its forms then);
    ``decide_step`` checks again under the row lock."""
    role = role_on_brand(user=user, brand=current_brand())
    try:
        check_may_decide(
            step=step, decider_id=user.pk, role=role, earlier=list(step.decisions.all())
        )
    except ApprovalsError:
        return False
    return True


def decide_step(
    *,
    step_id: int,
    decider: User,
    decision: str,
    comment: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> ApprovalStep:
    """Record one person's decision on an open step and move the chain on.

    Rejecting or requesting changes needs a comment (``reason`` is accepted as its alias).
    The step row is locked, so of two people deciding at once exactly one wins; the other
    gets ApprovalAlreadyDecided (409) naming who decided.
    """
    now = now or timezone.now()
    comment = comment or reason
    verdict = VERDICT_ALIASES.get(decision)
    if verdict is None:
        raise ApprovalsError(
            "decision must be approve, reject or request_changes.", field="decision"
        )
    comment = (comment or "").strip()
    if verdict != Verdict.APPROVE and not comment:
        raise ReasonRequired("Give a reason when rejecting or asking for changes.", field="comment")
    role = role_on_brand(user=decider, brand=current_brand())
    with transaction.atomic():
        step = (
            ApprovalStep.objects.select_for_update(of=("self",))
            .select_related("request")
            .filter(pk=step_id)
            .first()
        )
        if step is None:
            raise StepNotFound(f"No approval step {step_id}.")
        earlier = list(step.decisions.all())
        check_may_decide(step=step, decider_id=decider.pk, role=role, earlier=earlier)
        request = step.request
        escalated_here = decider.pk in step.escalated_to_ids
        Decision.objects.create(
            step=step,
            decider_id=decider.pk,
            role=role or "",
            verdict=verdict,
            comment=comment,
            created_at=now,
        )
        record(
            action="decision_recorded",
            at=now,
            actor_id=decider.pk,
            subject_kind=request.subject_kind,
            subject_id=request.subject_id,
            request_id=request.pk,
            step_id=step.pk,
            before=None,
            after={"verdict": verdict, "role": role, "comment": comment},
        )
        if verdict == Verdict.APPROVE:
            approved_roles = {d.role for d in earlier if d.verdict == Verdict.APPROVE} | {role}
            complete = step.mode == "any" or escalated_here or set(step.roles) <= approved_roles
            if complete:
                _close_step(step, StepStatus.APPROVED, now=now, decided_by_id=decider.pk)
                _advance(request, now=now, actor_id=decider.pk)
        else:
            _close_step(step, STEP_OUTCOME[verdict], now=now, decided_by_id=decider.pk)
            outcome = Status.REJECTED if verdict == Verdict.REJECT else Status.CHANGES_REQUESTED
            finish_request(request, outcome, now=now, actor_id=decider.pk)
        sync_brand_due()
    return step


def withdraw_request(
    *, subject_kind: str, subject_id: int, actor_id: int | None, now: datetime | None = None
) -> bool:
    """Withdraw the subject's open request (e.g. a cancelled boost); False when none is open."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            ApprovalRequest.objects.select_for_update()
            .filter(subject_kind=subject_kind, subject_id=subject_id, status=Status.OPEN)
            .first()
        )
        if request is None:
            return False
        finish_request(request, Status.WITHDRAWN, now=now, actor_id=actor_id)
        sync_brand_due()
    return True


# --- The sweep's work on one due step -------------------------------------------------------


def handle_due_step(*, step: ApprovalStep, now: datetime) -> None:
    """Apply whatever is due on a locked open step: its timeout rule, or a reminder."""
    assert step.deadline_at is not None
    if now >= step.deadline_at:
        _apply_timeout(step, now=now)
    else:
        _remind(step, now=now)


def _remind(step: ApprovalStep, *, now: datetime) -> None:
    before = _step_state(step)
    deciders = deciders_of(step)
    in_crisis = brand_in_crisis()
    quiet = {} if in_crisis else quiet_until(user_ids=deciders, now=now)
    reachable = [i for i in deciders if i not in quiet]
    request = step.request
    assert step.deadline_at is not None
    if deciders and not reachable:
        # Everyone who could act is in quiet hours: hold the reminder until the first of them
        # is back, but never past the deadline (the timeout rule then applies as usual).
        step.next_action_at = min([*quiet.values(), step.deadline_at])
        ApprovalStep.objects.filter(pk=step.pk).update(next_action_at=step.next_action_at)
        _audit_step(step, "reminder_held", now=now, before=before, detail="quiet hours")
        event_on_commit(
            kind="reminder_held",
            payload={"step_id": step.pk, "until": step.next_action_at.isoformat()},
        )
        return
    step.reminders_sent = max(reminders_due(step, now), step.reminders_sent + 1)
    step.next_action_at = next_action_at(step)
    ApprovalStep.objects.filter(pk=step.pk).update(
        reminders_sent=step.reminders_sent, next_action_at=step.next_action_at
    )
    local = _local(step.deadline_at)
    sent_to = email_on_commit(
        user_ids=reachable,
        subject=f"Reminder: {request.subject_kind} #{request.subject_id} awaits your decision",
        body=(
            f"{request.summary}\n\nThe deadline is {local}.\n\nDecide here: {step_link(step.pk)}\n"
        ),
    )
    _audit_step(step, "reminder_sent", now=now, before=before, detail=", ".join(sent_to))
    event_on_commit(
        kind="reminder_sent",
        payload={"step_id": step.pk, "request_id": request.pk, "recipients": reachable},
    )


def _apply_timeout(step: ApprovalStep, *, now: datetime) -> None:
    request = step.request
    rule = step.on_timeout
    if (
        rule == TimeoutRule.AUTO_APPROVE
        and request.band == "low"
        and get_policy().allow_auto_approve
    ):
        _close_step(step, StepStatus.APPROVED, now=now, decided_by_id=None)
        event_on_commit(kind="step_auto_approved", payload={"step_id": step.pk})
        _advance(request, now=now, actor_id=None)
        return
    targets = [i for i in escalation_targets(now=now)[0] if i != request.requested_by_id]
    if rule == TimeoutRule.ESCALATE and step.escalated_at is None and targets:
        before = _step_state(step)
        step.escalated_at = now
        step.escalated_to_ids = targets
        step.deadline_at = now + timedelta(minutes=step.deadline_minutes)
        step.reminders_sent = len(step.reminder_minutes)
        step.next_action_at = step.deadline_at
        ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.OPEN).update(
            escalated_at=now,
            escalated_to_ids=targets,
            deadline_at=step.deadline_at,
            reminders_sent=step.reminders_sent,
            next_action_at=step.next_action_at,
        )
        names = ", ".join(display_name(i) for i in targets)
        _audit_step(step, "step_escalated", now=now, before=before, detail=f"to {names}")
        local = _local(step.deadline_at)
        email_on_commit(
            user_ids=targets,
            subject=f"Escalated: {request.subject_kind} #{request.subject_id} missed its deadline",
            body=(
                f"{request.summary}\n\nNobody decided in time ({', '.join(step.roles)}). "
                f"You may decide it now; the new deadline is {local}.\n\n"
                f"Decide here: {step_link(step.pk)}\n"
            ),
        )
        event_on_commit(
            kind="step_escalated",
            payload={"step_id": step.pk, "request_id": request.pk, "to": targets},
        )
        return
    _close_step(step, StepStatus.EXPIRED, now=now, decided_by_id=None)
    event_on_commit(kind="step_expired", payload={"step_id": step.pk, "request_id": request.pk})
    finish_request(request, Status.EXPIRED, now=now, actor_id=None)
