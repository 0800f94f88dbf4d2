"""Who may decide a step now, and why not: one check for every path to a decision (the API,
the phone view, a person an escalation reached)."""

from __future__ import annotations

from approvals.errors import (
    ApprovalAlreadyDecided,
    ApprovalsError,
    NotAllowedToDecide,
    OwnDraft,
    StepNotOpen,
)
from approvals.models import ApprovalRequest, ApprovalStep, Decision
from approvals.selectors.people import display_name
from approvals.tenancy import brand_local
from tenants.models import User
from tenants.roles import role_may
from tenants.selectors import current_brand, role_on_brand

StepStatus = ApprovalStep.Status
Verdict = Decision.Verdict


def already_decided_error(*, step: ApprovalStep) -> ApprovalAlreadyDecided:
    """The 409 for a step that is no longer open, naming who decided it and when."""
    last = step.decisions.order_by("-created_at", "-id").first()
    if last is not None:
        who = f"{display_name(user_id=last.decider_id)} ({last.role})"
        when = brand_local(last.created_at).strftime("%H:%M %Z")
        return ApprovalAlreadyDecided(
            f"This step was already decided by {who} at {when}: {last.verdict}."
        )
    if step.status == StepStatus.EXPIRED:
        return ApprovalAlreadyDecided("This step expired before anyone decided it.")
    if step.status == StepStatus.APPROVED and step.decided_by_id is None:
        return ApprovalAlreadyDecided("This step was approved automatically at its deadline.")
    if step.request.status == ApprovalRequest.Status.WITHDRAWN:
        return ApprovalAlreadyDecided(
            "This item was withdrawn (a newer version is up for review, or it was cancelled) "
            "and can no longer be decided."
        )
    return ApprovalAlreadyDecided(f"This step is {step.status} and can no longer be decided.")


def check_may_decide(
    *, step: ApprovalStep, actor_id: int, role: str | None, earlier: list[Decision]
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
        raise already_decided_error(step=step)
    if actor_id in step.request.authors:
        raise OwnDraft("Nobody approves their own work: ask another approver.")
    escalated_here = actor_id in step.escalated_to_ids
    if not escalated_here and role not in step.roles:
        raise NotAllowedToDecide(
            f"This step is for {', '.join(step.roles)}; your role is {role or 'none'}."
        )
    mine = next((d for d in earlier if d.decider_id == actor_id), None)
    if mine is not None:
        raise ApprovalAlreadyDecided(f"You already decided this step: {mine.verdict}.")
    same_role = next((d for d in earlier if d.role == role and d.verdict == Verdict.APPROVE), None)
    if step.mode == "all" and same_role is not None and not escalated_here:
        raise ApprovalAlreadyDecided(
            f"{display_name(user_id=same_role.decider_id)} already approved for {role}."
        )


def may_decide(*, step: ApprovalStep, user: User) -> bool:
    """Whether ``user`` could decide the step right now (the phone view shows its forms then);
    ``decide_step`` checks again under the row lock."""
    role = role_on_brand(user=user, brand=current_brand())
    try:
        check_may_decide(step=step, actor_id=user.pk, role=role, earlier=list(step.decisions.all()))
    except ApprovalsError:
        return False
    return True
