"""Approvals' rows in the cockpit's attention rollup: open steps and the brand's crisis.

Synced wherever open steps change (next to the sweep's due index) and at crisis changes, in
the same transaction, and again by the reconciler.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from approvals.models import ApprovalMode, ApprovalStep, CrisisState, Decision
from tenants.attention.models import AttentionKind
from tenants.attention.services import Attention, add_attention, sync_attention
from tenants.selectors import current_brand

KINDS = frozenset({AttentionKind.APPROVAL_STEP, AttentionKind.CRISIS})


def _step_item(step: ApprovalStep, decisions: list[Decision], slug: str) -> Attention:
    # In an "all" step a role someone already approved for waits for nobody else.
    done_roles = {
        d.role
        for d in decisions
        if step.mode == ApprovalMode.ALL and d.verdict == Decision.Verdict.APPROVE
    }
    request = step.request
    return Attention(
        kind=AttentionKind.APPROVAL_STEP,
        source_id=step.pk,
        title=request.summary or f"{request.subject_kind} #{request.subject_id}",
        link=f"/brands/{slug}/approve/steps/{step.pk}/",
        since=step.opened_at or request.created_at,
        due_at=step.deadline_at,
        roles=[r for r in step.roles if r not in done_roles],
        user_ids=step.escalated_to_ids,
        # Nobody decides their own work, or the same step twice.
        excluded_user_ids=request.authors | {d.decider_id for d in decisions},
    )


def _crisis_item(crisis: CrisisState | None, slug: str) -> Attention | None:
    if crisis is None or not crisis.active or crisis.since is None:
        return None
    incident = crisis.incident
    return Attention(
        kind=AttentionKind.CRISIS,
        source_id=incident.pk if incident else 0,
        title=f"In crisis: {incident.summary}" if incident else "In crisis",
        link=f"/brands/{slug}/api/v1/approvals/crisis/",
        since=crisis.since,
    )


def _collect() -> list[Attention]:
    slug = current_brand().slug
    steps = (
        ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN)
        .select_related("request")
        .prefetch_related("decisions")
        .order_by("pk")
    )
    items = [_step_item(step, list(step.decisions.all()), slug) for step in steps]
    crisis = CrisisState.objects.filter(pk=1, active=True).select_related("incident").first()
    crisis_item = _crisis_item(crisis, slug)
    return [*items, crisis_item] if crisis_item else items


def sync_approvals_attention() -> int:
    """Make the brand's approval-step and crisis rows match its open steps and crisis state;
    returns how many rows changed (the reconciler's count of what it fixed)."""
    return sync_attention(kinds=KINDS, collect=_collect)


def sync_steps_attention(
    *,
    steps: Iterable[ApprovalStep],
    decisions: Mapping[int, list[Decision]],
    crisis: CrisisState | None,
) -> int:
    """``sync_approvals_attention`` for a few open steps the caller holds locked (a sweep
    batch), from what it already read: costs the steps touched, not every open step."""
    wanted = {step.pk: step for step in steps}
    items = steps_attention(
        steps=wanted.values(), decisions=decisions, crisis=crisis, slug=current_brand().slug
    )
    return sync_attention(kinds=KINDS, collect=lambda: items, source_ids=wanted)


def add_new_steps_attention(*, steps: Iterable[ApprovalStep]) -> int:
    """``sync_steps_attention`` for the steps of a request made in this transaction, outside
    a crisis (no crisis row can share their source ids): their open steps' rows are new, so
    they are written without a lock or a read (``add_attention``)."""
    slug = current_brand().slug
    return add_attention(
        items=[
            _step_item(step, [], slug) for step in steps if step.status == ApprovalStep.Status.OPEN
        ]
    )


def steps_attention(
    *,
    steps: Iterable[ApprovalStep],
    decisions: Mapping[int, list[Decision]],
    crisis: CrisisState | None,
    slug: str,
) -> list[Attention]:
    """The attention rows of a few steps of the brand ``slug`` (the rows of those that are no
    longer open are to go). The rows are replaced by source id across both kinds, so the
    crisis row is given too when its source id (the incident's) equals one of the steps'."""
    wanted = {step.pk: step for step in steps}
    items = [
        _step_item(step, decisions.get(step.pk, []), slug)
        for step in wanted.values()
        if step.status == ApprovalStep.Status.OPEN
    ]
    crisis_item = _crisis_item(crisis, slug)
    if crisis_item is not None and crisis_item.source_id in wanted:
        items.append(crisis_item)
    return items
