"""Reads over requests and steps: the approver's queue, a request with its history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from approvals.models import ApprovalRequest, ApprovalStep, Decision
from content import selectors as content_selectors
from content.models import Draft
from tenants.models import User
from tenants.roles import role_may
from tenants.selectors import current_brand, role_on_brand


def pending_steps_for(*, user: User) -> QuerySet[ApprovalStep]:
    """Open steps this person may decide now (their role or an escalation to them), soonest
    deadline first; never their own work, never a step they already decided. Nothing at all
    for someone whose role may not decide, whatever an old escalation says."""
    role = role_on_brand(user=user, brand=current_brand())
    if not role_may(role, "approvals.decide"):
        return ApprovalStep.objects.none()
    may = Q(escalated_to_ids__contains=[user.pk])
    if role is not None:
        may |= Q(roles__contains=[role])
    # In an "all" step, someone with the same role may already have approved for that role.
    role_done = Decision.objects.filter(step=OuterRef("pk"), role=role, verdict="approve")
    return (
        ApprovalStep.objects.filter(may, status=ApprovalStep.Status.OPEN)
        .exclude(request__requested_by_id=user.pk)
        .exclude(request__author_ids__contains=[user.pk])
        .exclude(decisions__decider_id=user.pk)
        .exclude(Q(mode="all") & Exists(role_done) & ~Q(escalated_to_ids__contains=[user.pk]))
        .select_related("request")
        # The queue shows each step's request with all its steps and their decisions.
        .prefetch_related(
            "decisions",
            Prefetch(
                "request__steps",
                queryset=ApprovalStep.objects.order_by("position").prefetch_related("decisions"),
            ),
        )
        .order_by("deadline_at", "id")
    )


def approval_requests() -> QuerySet[ApprovalRequest]:
    """The brand's requests, newest first, with steps and decisions."""
    return ApprovalRequest.objects.prefetch_related(
        Prefetch("steps", queryset=ApprovalStep.objects.prefetch_related("decisions"))
    ).order_by("-created_at", "-id")


def get_request(*, request_id: int) -> ApprovalRequest:
    """One request with its steps and decisions (raises ApprovalRequest.DoesNotExist)."""
    return approval_requests().get(pk=request_id)


def requests_for_subject(*, subject_kind: str, subject_id: int) -> QuerySet[ApprovalRequest]:
    """Every request a subject had, newest first (a draft's history across its chain runs),
    including an item that offered it as one of several variants."""
    return approval_requests().filter(
        Q(subject_id=subject_id) | Q(variant_ids__contains=[subject_id]),
        subject_kind=subject_kind,
    )


def item_variants(*, request: ApprovalRequest) -> list[Draft]:
    """The drafts an item offers as alternatives, in variant order, each with its status
    (in review, approved, dropped...); empty for a single subject."""
    if not request.variant_ids:
        return []
    found = content_selectors.drafts_by_id(draft_ids=list(request.variant_ids))
    return sorted(found.values(), key=lambda d: (d.variant, d.pk))


@dataclass(frozen=True)
class ReviewRound:
    """One request in a subject's review history, with the draft version it reviewed."""

    request: ApprovalRequest
    version: int | None


def review_history(*, subject_kind: str, subject_id: int) -> list[ReviewRound]:
    """Every request a subject had, newest first. For a draft that includes the requests of its
    earlier versions: asking for changes makes a new version, and whoever reviews it needs to
    see what was asked of the one before."""
    versions: dict[int, int | None] = {subject_id: None}
    if subject_kind in ("post", "reply"):
        draft = content_selectors.drafts().filter(pk=subject_id).first()
        if draft is not None:
            versions = {
                d.pk: d.version
                for d in content_selectors.draft_history(draft=draft)
                if d.version <= draft.version
            }
    rows = approval_requests().filter(subject_kind=subject_kind, subject_id__in=list(versions))
    return [ReviewRound(request=r, version=versions.get(r.subject_id)) for r in rows]


def decisions_by(*, user: User) -> QuerySet[Decision]:
    """What this person decided, newest first (the phone view's "recently decided")."""
    return (
        Decision.objects.filter(decider_id=user.pk)
        .select_related("step__request")
        .order_by("-created_at", "-id")
    )
