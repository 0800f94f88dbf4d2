"""An approval request's chain as a state machine: steps open, close, are skipped; the request
advances to its next step or finishes with an outcome.

Transitions are conditional UPDATEs (a step or request only moves out of ``open`` once); the
database constraints on the models refuse any state the rules do not allow (an open step
without a due time, a decided step without a time, two open requests for the same subject).
The callers (intake, decisions, due work, crisis) take the row locks, always in one order:
a request's unfinished steps first, in ascending id (the open step is the lowest; later steps
and a crisis step have higher ids), and the request row last. Deciding locks the open step,
then opening the next step or finishing the request takes the rest; withdrawing or
superseding a request goes through ``lock_open_request``; the sweep and crisis mode lock steps
before requests. Two paths on the same request therefore queue on its open step instead of
each holding what the other waits for (a decision racing a cancelled boost deadlocked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from approvals.errors import ApprovalAlreadyDecided, VariantDropped
from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    AuditEntry,
    SubjectKind,
    TimeoutRule,
)
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.people import NoticeMember, member_roles, notice_members
from approvals.selectors.rota import quiet_ends
from approvals.services.audit import audit_entry, record
from approvals.services.clock import deadline_after, next_action_at
from approvals.services.notify import (
    announce_outcome,
    email_on_commit,
    event_on_commit,
    member_ids_with_roles,
    step_link,
)
from approvals.services.rules import StepSpec
from approvals.tenancy import brand_local_text
from content import services as content_services
from content.errors import ContentError
from content.models import Draft
from tenants.roles import PERMISSIONS

Status = ApprovalRequest.Status
StepStatus = ApprovalStep.Status

# Who may decide at all (the one permission table); a chain's roles narrow it.
DECIDE_ROLES, _DECIDE_SCOPE = PERMISSIONS["approvals.decide"]

DRAFT_KINDS = (SubjectKind.POST, SubjectKind.REPLY)
# The draft transition each outcome takes (an expired request hands the draft back to its
# writer; only a newer version withdraws a draft's request: the old one is history now).
DRAFT_TRANSITION_FOR: dict[str, str] = {
    Status.APPROVED: Draft.Transition.APPROVE,
    Status.NOT_REQUIRED: Draft.Transition.APPROVE,
    Status.REJECTED: Draft.Transition.REJECT,
    Status.CHANGES_REQUESTED: Draft.Transition.REQUEST_CHANGES,
    Status.EXPIRED: Draft.Transition.RETURN_TO_WRITER,
    Status.WITHDRAWN: Draft.Transition.SUPERSEDE,
}


def lock_open_request(*, request_id: int) -> ApprovalRequest | None:
    """Lock a request that is about to be finished from outside its chain (withdrawn, or
    superseded by a newer draft), in the one lock order: its unfinished steps first, then the
    request. None when it is no longer open once the locks are ours."""
    list(
        ApprovalStep.objects.select_for_update(of=("self",))
        .filter(request_id=request_id, status__in=[StepStatus.WAITING, StepStatus.OPEN])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return (
        ApprovalRequest.objects.select_for_update()
        .filter(pk=request_id, status=Status.OPEN)
        .first()
    )


def step_state(*, step: ApprovalStep) -> dict[str, Any]:
    """A step as the audit trail records it before and after a change."""
    return {
        "status": step.status,
        "deadline_at": step.deadline_at.isoformat() if step.deadline_at else None,
        "reminders_sent": step.reminders_sent,
        "escalated_to_ids": list(step.escalated_to_ids),
    }


def audit_step(
    *,
    step: ApprovalStep,
    action: str,
    now: datetime,
    before: dict[str, Any] | None,
    actor_id: int | None = None,
    detail: str = "",
) -> None:
    """Record a change to a step (its request and subject named) in the audit trail."""
    step_audit_entry(
        step=step, action=action, now=now, before=before, actor_id=actor_id, detail=detail
    ).save(force_insert=True)


def step_audit_entry(
    *,
    step: ApprovalStep,
    action: str,
    now: datetime,
    before: dict[str, Any] | None,
    actor_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """The unsaved audit entry ``audit_step`` records, for callers that write many at once."""
    request = step.request
    return audit_entry(
        action=action,
        at=now,
        actor_id=actor_id,
        subject_kind=request.subject_kind,
        subject_id=request.subject_id,
        request_id=request.pk,
        step_id=step.pk,
        before=before,
        after=step_state(step=step),
        detail=detail,
    )


def new_step(*, request: ApprovalRequest, position: int, spec: StepSpec) -> ApprovalStep:
    """An unsaved, waiting step of ``request`` at ``position``, shaped by a chain's step."""
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


def deciders_of(*, step: ApprovalStep) -> list[int]:
    """Everyone who may still decide the step (its roles and anyone it was escalated to),
    except its authors (the requester and whoever wrote a version) and who already decided."""
    decided = set(step.decisions.values_list("decider_id", flat=True)) if step.pk else set()
    return choose_deciders(step=step, members=member_roles(), decided=decided)


def choose_deciders(
    *, step: ApprovalStep, members: Sequence[tuple[int, str]], decided: Iterable[int]
) -> list[int]:
    """``deciders_of`` from what is already read: the brand's (user id, role) pairs, oldest
    membership first, and who already decided the step (the sweep reads both once a batch)."""
    ids = [user_id for user_id, role in members if role in step.roles]
    ids += [i for i in step.escalated_to_ids if i not in ids]
    # Nobody is asked to decide who may not (a chain naming such a role, an old escalation).
    may_decide = {user_id for user_id, role in members if role in DECIDE_ROLES}
    authors, done = step.request.authors, set(decided)
    return [i for i in ids if i in may_decide and i not in authors and i not in done]


def open_step(
    *, step: ApprovalStep, now: datetime, actor_id: int | None, in_crisis: bool | None = None
) -> None:
    """Open a waiting step: its deadline starts now and its deciders are asked by email.
    ``in_crisis`` is the brand's crisis state when the caller has just read it (else read)."""
    if in_crisis is None:
        in_crisis = brand_in_crisis()
    before = step_state(step=step)
    opening = prepare_opening(step=step, now=now, in_crisis=in_crisis)
    updated = ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.WAITING).update(
        status=step.status,
        opened_at=step.opened_at,
        deadline_at=step.deadline_at,
        first_deadline_at=step.first_deadline_at,
        next_action_at=step.next_action_at,
    )
    if updated != 1:
        raise ApprovalAlreadyDecided(f"Step {step.pk} has already moved on.")
    audit_step(step=step, action="step_opened", now=now, before=before, actor_id=actor_id)
    ask_deciders(step=step, opening=opening, now=now, in_crisis=in_crisis)


class StepOpening:
    """Who a step being opened asks (``prepare_opening``), for ``ask_deciders``."""

    __slots__ = ("members", "deciders", "quiet")

    def __init__(
        self, members: list[NoticeMember], deciders: list[int], quiet: dict[int, datetime]
    ) -> None:
        self.members, self.deciders, self.quiet = members, deciders, quiet


def prepare_opening(*, step: ApprovalStep, now: datetime, in_crisis: bool) -> StepOpening:
    """Set a waiting step open on the instance (its deadline starts now; it is due when its
    deadline, a reminder or the first quiet decider's return comes), and say whom it asks.
    Writes nothing: ``open_step`` moves the stored step, a new request inserts it open."""
    step.status = StepStatus.OPEN
    step.opened_at = now
    step.deadline_at = step.first_deadline_at = deadline_after(
        moment=now, minutes=step.deadline_minutes
    )
    # A waiting step has no decisions (only an open step takes them, and no step goes back to
    # waiting), so they are not read.
    # Everyone's role, address, digest interval and quiet hours in one read.
    members = notice_members()
    deciders = choose_deciders(
        step=step, members=[(m.user_id, m.role) for m in members], decided=set()
    )
    # People in their quiet hours are not emailed now (outside a crisis): the step is due when
    # the first of them is back, and the sweep's reminder tells them then.
    quiet = {} if in_crisis else quiet_ends(rows=members, user_ids=deciders, now=now)
    # Nobody may decide it (no member holds its roles): due now, so the sweep hands it to
    # whoever is on duty at once instead of letting it wait out its deadline.
    step.next_action_at = next_action_at(step=step) if deciders else now
    if quiet:
        step.next_action_at = min(step.next_action_at, *quiet.values())
    return StepOpening(members, deciders, quiet)


def ask_deciders(
    *, step: ApprovalStep, opening: StepOpening, now: datetime, in_crisis: bool
) -> None:
    """Email the deciders of a step just opened (after the commit; those in their quiet hours
    are left to the sweep's reminder)."""
    request = step.request
    if step.deadline_at is None:  # prepare_opening gives every step it opens a deadline
        raise ValueError(f"Step {step.pk} was not opened: it has no deadline.")
    local = brand_local_text(step.deadline_at)
    # One email per person for the whole item, however many variants it offers.
    variants = request.open_variant_ids
    choose = f" ({len(variants)} variants: approve one)" if len(variants) > 1 else ""
    email_on_commit(
        user_ids=[i for i in opening.deciders if i not in opening.quiet],
        subject=f"Decision needed: {request.subject_kind} #{request.subject_id}{choose}",
        body=(
            f"{request.summary}\n\nPlease decide by {local}.\nWhy it needs you: {request.reason}\n"
            f"\nDecide here: {step_link(step_id=step.pk)}\n"
        ),
        # A new post or boost to review can wait for a digest; a reply or a crisis step not.
        urgent=request.subject_kind == SubjectKind.REPLY or step.is_crisis_step,
        deadline=step.deadline_at,
        now=now,
        in_crisis=in_crisis,
        members=opening.members,
    )


def close_step(*, step: ApprovalStep, status: str, now: datetime, actor_id: int | None) -> None:
    """Close an open step with ``status`` (approved, rejected, changes requested, expired)."""
    before = step_state(step=step)
    updated = ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.OPEN).update(
        status=status, decided_at=now, decided_by_id=actor_id, next_action_at=None
    )
    if updated != 1:
        raise ApprovalAlreadyDecided(f"Step {step.pk} has already been decided.")
    step.status, step.decided_at, step.decided_by_id = status, now, actor_id
    step.next_action_at = None
    audit_step(step=step, action=f"step_{status}", now=now, before=before, actor_id=actor_id)


def skip_step(*, step: ApprovalStep, now: datetime, actor_id: int | None, action: str) -> None:
    """Skip a waiting or open step that will never be decided (recorded as ``action``)."""
    before = step_state(step=step)
    ApprovalStep.objects.filter(pk=step.pk).update(status=StepStatus.SKIPPED, next_action_at=None)
    step.status, step.next_action_at = StepStatus.SKIPPED, None
    audit_step(step=step, action=action, now=now, before=before, actor_id=actor_id)


def choose_variant(
    *, request: ApprovalRequest, variant_id: int, now: datetime, actor_id: int | None
) -> None:
    """Narrow a multi-variant item to ``variant_id``: it becomes the request's subject and its
    siblings are dropped (audit entry, and a ``draft_dropped`` notice for each). Called with
    the open step locked (or, for an item the policy clears, as it is made); the conditional
    update makes a second choice fail, not overwrite."""
    dropped = [i for i in request.open_variant_ids if i != variant_id]
    before = {"subject_id": request.subject_id, "variant_ids": request.open_variant_ids}
    updated = ApprovalRequest.objects.filter(
        pk=request.pk, status=request.status, chosen_variant_id__isnull=True
    ).update(chosen_variant_id=variant_id, subject_id=variant_id)
    if updated != 1:
        raise VariantDropped(
            f"A variant of request {request.pk} was already chosen.", field="variant_id"
        )
    request.chosen_variant_id = request.subject_id = variant_id
    move_draft(request=request, transition=Draft.Transition.DROP, now=now, draft_ids=dropped)
    record(
        action="variant_chosen",
        at=now,
        actor_id=actor_id,
        subject_kind=request.subject_kind,
        subject_id=variant_id,
        request_id=request.pk,
        before=before,
        after={"subject_id": variant_id, "dropped_ids": dropped},
    )
    for draft_id in dropped:
        event_on_commit(
            kind="draft_dropped",
            payload={
                "draft_id": draft_id,
                "request_id": request.pk,
                "chosen_draft_id": variant_id,
            },
        )


def move_draft(
    *,
    request: ApprovalRequest,
    transition: str,
    now: datetime,
    draft_ids: list[int] | None = None,
) -> None:
    """Move the request's drafts (every variant still in the item, or ``draft_ids``) along a
    named transition; a draft that moved on meanwhile is recorded in the audit trail, not
    overwritten."""
    for draft_id in request.open_variant_ids if draft_ids is None else draft_ids:
        try:
            content_services.transition_draft(draft_id=draft_id, transition=transition)
        except ContentError as exc:
            record(
                action="draft_status_unchanged",
                at=now,
                subject_kind=request.subject_kind,
                subject_id=draft_id,
                request_id=request.pk,
                after={"transition": transition},
                detail=exc.message,
            )


def finish_request(
    *,
    request: ApprovalRequest,
    outcome: str,
    now: datetime,
    actor_id: int | None,
    draft_ids: list[int] | None = None,
) -> None:
    """Close an open request with ``outcome``: skip what is left, move the draft (every variant
    still in the item, or only ``draft_ids``: a revised variant's siblings stay in review for
    the item that replaces this one), tell people."""
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=Status.OPEN).update(
        status=outcome, finished_at=now
    )
    if updated != 1:
        raise ApprovalAlreadyDecided(f"Request {request.pk} has already finished.")
    request.status, request.finished_at = outcome, now
    for left in ApprovalStep.objects.filter(
        request=request, status__in=[StepStatus.WAITING, StepStatus.OPEN]
    ).order_by("position"):
        left.request = request
        skip_step(step=left, now=now, actor_id=actor_id, action="step_skipped")
    record(
        action="request_finished",
        at=now,
        actor_id=actor_id,
        subject_kind=request.subject_kind,
        subject_id=request.subject_id,
        request_id=request.pk,
        before={"status": Status.OPEN},
        after={"status": request.status},
    )
    if request.subject_kind in DRAFT_KINDS and outcome in DRAFT_TRANSITION_FOR:
        move_draft(
            request=request,
            transition=DRAFT_TRANSITION_FOR[outcome],
            now=now,
            draft_ids=draft_ids,
        )
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
            user_ids=member_ids_with_roles(roles=request.inform_roles),
            subject=f"Approved: {request.subject_kind} #{request.subject_id}",
            body=f"{request.summary}\n\nFor your information: this was approved.",
            urgent=False,
            now=now,
        )
    announce_outcome(
        request_id=request.pk,
        subject_kind=request.subject_kind,
        subject_id=request.subject_id,
        outcome=outcome,
    )


def advance(*, request: ApprovalRequest, now: datetime, actor_id: int | None) -> None:
    """Open the next waiting step, or finish the request as approved when none is left."""
    following = (
        ApprovalStep.objects.select_related("request")
        .filter(request=request, status=StepStatus.WAITING)
        .order_by("position")
        .first()
    )
    if following is None:
        finish_request(request=request, outcome=Status.APPROVED, now=now, actor_id=actor_id)
    else:
        open_step(step=following, now=now, actor_id=actor_id)
