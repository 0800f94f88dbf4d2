"""Decisions: a person approves, rejects or asks for changes on a step; a subject's open
request is withdrawn (a cancelled boost)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from approvals.errors import (
    InvalidDecision,
    NotAVariant,
    ReasonRequired,
    StepNotFound,
    VariantDropped,
    VariantRequired,
    VariantSuperseded,
)
from approvals.models import DECIDED_VIA, DECIDED_VIA_API, ApprovalRequest, ApprovalStep, Decision
from approvals.services.attention import sync_approvals_attention
from approvals.services.audit import record
from approvals.services.chain import (
    Status,
    StepStatus,
    advance,
    choose_variant,
    close_step,
    finish_request,
    lock_open_request,
)
from approvals.services.due_index import sync_brand_due
from approvals.services.eligibility import check_may_decide
from content.selectors import superseded_draft
from tenants.models import User
from tenants.selectors import current_brand, role_on_brand

Verdict = Decision.Verdict

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


def decide_step(
    *,
    step_id: int,
    actor: User,
    decision: str,
    comment: str = "",
    reason: str = "",
    via: str = DECIDED_VIA_API,
    variant_id: int | None = None,
    now: datetime | None = None,
) -> ApprovalStep:
    """Record one person's decision on an open step and move the chain on.

    ``via`` says where it was made (the API, or the approvers' phone view): kept in the audit
    entry, it is what the brand's mobility readiness counts.

    Rejecting or requesting changes needs a comment (``reason`` is accepted as its alias).
    An item offering several variants is approved by naming one (``variant_id``): the others
    are dropped at once, and later steps of the chain review the chosen one.
    The step row is locked, so of two people deciding at once exactly one wins; the other
    gets ApprovalAlreadyDecided (409) naming who decided.
    """
    now = now or timezone.now()
    if via not in DECIDED_VIA:
        raise ValueError(f"via must be one of {DECIDED_VIA}, not {via!r}")
    comment = comment or reason
    verdict = VERDICT_ALIASES.get(decision)
    if verdict is None:
        raise InvalidDecision(
            "decision must be approve, reject or request_changes.", field="decision"
        )
    comment = (comment or "").strip()
    if verdict != Verdict.APPROVE and not comment:
        raise ReasonRequired("Give a reason when rejecting or asking for changes.", field="comment")
    role = role_on_brand(user=actor, brand=current_brand())
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
        check_may_decide(step=step, actor_id=actor.pk, role=role, earlier=earlier)
        request = step.request
        escalated_here = actor.pk in step.escalated_to_ids
        chosen = _chosen_variant(request=request, verdict=verdict, variant_id=variant_id)
        Decision.objects.create(
            step=step,
            decider_id=actor.pk,
            role=role or "",
            verdict=verdict,
            comment=comment,
            created_at=now,
        )
        record(
            action="decision_recorded",
            at=now,
            actor_id=actor.pk,
            subject_kind=request.subject_kind,
            subject_id=request.subject_id,
            request_id=request.pk,
            step_id=step.pk,
            before=None,
            after={"verdict": verdict, "role": role, "comment": comment, "via": via},
        )
        if chosen is not None:
            choose_variant(request=request, variant_id=chosen, now=now, actor_id=actor.pk)
        if verdict == Verdict.APPROVE:
            approved_roles = {d.role for d in earlier if d.verdict == Verdict.APPROVE} | {role}
            complete = step.mode == "any" or escalated_here or set(step.roles) <= approved_roles
            if complete:
                close_step(step=step, status=StepStatus.APPROVED, now=now, actor_id=actor.pk)
                advance(request=request, now=now, actor_id=actor.pk)
        else:
            close_step(step=step, status=STEP_OUTCOME[verdict], now=now, actor_id=actor.pk)
            outcome = Status.REJECTED if verdict == Verdict.REJECT else Status.CHANGES_REQUESTED
            finish_request(request=request, outcome=outcome, now=now, actor_id=actor.pk)
        sync_brand_due()
        sync_approvals_attention()
    return step


def _chosen_variant(
    *, request: ApprovalRequest, verdict: str, variant_id: int | None
) -> int | None:
    """The variant this decision picks out of a multi-variant item (None: nothing to choose);
    refuses a variant that is not, or no longer, in the item before anything is written."""
    if variant_id is None:
        if verdict == Verdict.APPROVE and len(request.open_variant_ids) > 1:
            raise VariantRequired(
                "This item offers several variants: name the one you approve "
                f"(one of {', '.join(map(str, request.open_variant_ids))}).",
                field="variant_id",
            )
        return None
    offered = request.variant_ids or [request.subject_id]
    if variant_id not in offered and superseded_draft(draft_id=variant_id):
        raise VariantSuperseded(
            f"Draft {variant_id} was revised while in review: approve its newest version "
            f"(this item offers {', '.join(map(str, request.open_variant_ids))}).",
            field="variant_id",
        )
    if variant_id not in offered:
        raise NotAVariant(
            f"Draft {variant_id} is not a variant of this item "
            f"(its variants: {', '.join(map(str, offered))}).",
            field="variant_id",
        )
    if variant_id not in request.open_variant_ids:
        raise VariantDropped(
            f"Variant {variant_id} is no longer in this item: variant "
            f"{request.chosen_variant_id} was approved in its place.",
            field="variant_id",
        )
    if verdict != Verdict.APPROVE or len(request.open_variant_ids) == 1:
        return None  # a rejection applies to the whole item; a single subject has no choice
    return variant_id


def withdraw_request(
    *, subject_kind: str, subject_id: int, actor_id: int | None, now: datetime | None = None
) -> bool:
    """Withdraw the subject's open request (e.g. a cancelled boost); False when none is open."""
    now = now or timezone.now()
    open_ids = ApprovalRequest.objects.filter(
        subject_kind=subject_kind, subject_id=subject_id, status=Status.OPEN
    ).values_list("pk", flat=True)
    with transaction.atomic():
        request_id = open_ids.first()
        request = lock_open_request(request_id=request_id) if request_id is not None else None
        if request is None:
            return False
        finish_request(request=request, outcome=Status.WITHDRAWN, now=now, actor_id=actor_id)
        sync_brand_due()
        sync_approvals_attention()
    return True
