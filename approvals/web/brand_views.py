"""The approver's phone view inside one brand: queue, detail with actions, recent decisions.

Decisions go through ``approvals.services.decide_step``, the same service the API uses, so the
rules, the audit trail and the 409 on a race are the same; here the 409 becomes a friendly page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals.errors import ApprovalsError
from approvals.models import DECIDED_VIA_PHONE, ApprovalStep
from approvals.selectors.queue import (
    decisions_by,
    item_variants,
    pending_steps_for,
    review_history,
)
from approvals.services import decide_step, may_decide
from approvals.subjects import describe
from approvals.web.pages import approver_page, countdown, page_context
from assets.selectors import phone_images
from content.models import Draft
from content.progress import rewrite_in_progress

HASHTAG = re.compile(r"#\w+")
DECISIONS = {"approve": "Approved", "reject": "Rejected", "request_changes": "Changes requested"}
# How the content app's check flags read to an approver; an unknown flag is shown as it is.
FLAG_LABELS = {
    "guardrail_violations": "Breaks the brand's guardrails",
    "repeats_recent_post": "Repeats a recent post",
    "high_risk": "High risk",
    "unsafe_output": "Fails the output safety checks",
    "injection_attempt": "The comment tried to instruct the assistant",
    "judge_objection": "The second AI check objected",
    "regenerated": "Rewritten once after failing a check",
    "regeneration_failed": "Failed a check; the rewrite could not be made",
    "offline_generated": "Written by the offline generator, not the AI assistant",
}


@dataclass
class QueueItem:
    step: ApprovalStep
    title: str
    excerpt: str
    due: str
    late: bool


def _drafts_for(steps: list[ApprovalStep]) -> dict[int, Draft]:
    ids = [s.request.subject_id for s in steps if s.request.subject_kind in ("post", "reply")]
    return {d.pk: d for d in Draft.objects.filter(pk__in=ids).select_related("channel")}


def _title(step: ApprovalStep, draft: Draft | None) -> str:
    kind = step.request.subject_kind
    if draft is not None and draft.channel is not None:
        return f"{kind.title()} for {draft.channel}"
    return kind.title()


@approver_page
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    steps = list(pending_steps_for(user=request.user))
    drafts = _drafts_for(steps)
    items = []
    for step in steps:
        draft = (
            drafts.get(step.request.subject_id) if step.request.subject_kind != "boost" else None
        )
        text = draft.text if draft else step.request.summary
        alternatives = len(step.request.open_variant_ids)
        items.append(
            QueueItem(
                step=step,
                title=_title(step, draft)
                + (f" · {alternatives} variants to choose from" if alternatives > 1 else ""),
                excerpt=text[:120] + ("…" if len(text) > 120 else ""),
                due=countdown(step.deadline_at, now),
                late=bool(step.deadline_at and step.deadline_at < now),
            )
        )
    return render(request, "approvals/web/queue.html", page_context(request, items=items))


def _open_step_for(request: HttpRequest, step_id: int) -> ApprovalStep:
    step = (
        ApprovalStep.objects.select_related("request")
        .prefetch_related("decisions")
        .filter(pk=step_id)
        .first()
    )
    if step is None:
        raise Http404("No such decision.")
    return step


@dataclass
class VariantCard:
    """One alternative of a multi-variant item, as the approver compares them side by side."""

    draft: Draft
    checks: DraftChecks
    length: int
    limit: int | None
    in_item: bool  # still up for review (not dropped, not approved in an earlier step)


@dataclass
class DraftChecks:
    """What the draft's checks found, as the approver reads it."""

    flags: list[str]
    violations: list[str]
    repeats: dict[str, Any] | None  # {"score", "text"} of the recent post it is too close to

    @property
    def passed(self) -> bool:
        return not (self.flags or self.violations or self.repeats)


def _checks(draft: Draft | None) -> DraftChecks:
    if draft is None:
        return DraftChecks(flags=[], violations=[], repeats=None)
    novelty = draft.novelty or {}
    repeats = None
    if novelty.get("too_similar"):
        repeats = {"score": novelty.get("score"), "text": novelty.get("similar_text", "")}
    return DraftChecks(
        flags=[FLAG_LABELS.get(flag, flag) for flag in draft.flags or []]
        + ([draft.needs_person_reason] if draft.needs_person else []),
        violations=[
            (v.get("detail") or v.get("code", "")) if isinstance(v, dict) else str(v)
            for v in draft.guardrail_violations or []
        ],
        repeats=repeats,
    )


def _detail_context(request: HttpRequest, step: ApprovalStep, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    subject = step.request
    draft = None
    if subject.subject_kind in ("post", "reply"):
        draft = (
            Draft.objects.select_related("channel", "inbox_item")
            .filter(pk=subject.subject_id)
            .first()
        )
    about = (
        None
        if draft is not None
        else describe(subject_kind=subject.subject_kind, subject_id=subject.subject_id)
    )
    text = draft.text if draft else (about.text if about and about.text else subject.summary)
    variants = [
        VariantCard(
            draft=v,
            checks=_checks(v),
            length=len(v.text),
            limit=v.channel.max_length if v.channel else None,
            in_item=v.pk in subject.open_variant_ids,
        )
        for v in item_variants(request=subject)
    ]
    limit = draft.channel.max_length if draft and draft.channel else None
    history = review_history(subject_kind=subject.subject_kind, subject_id=subject.subject_id)
    comments = [
        (d, entry.version)
        for entry in history
        for s in entry.request.steps.all()
        for d in s.decisions.all()
        if d.comment
    ]
    return page_context(
        request,
        step=step,
        subject=subject,
        draft=draft,
        # A reply is judged against the comment it answers.
        incoming=draft.inbox_item if draft else None,
        text=text,
        # The draft's images as phone renditions behind signed URLs, never the originals.
        # A boost's own images come with its description.
        images=phone_images(draft_id=draft.pk, brand_slug=request.brand.slug)  # type: ignore[attr-defined]
        if draft
        else (about.images if about else []),
        about=about,
        hashtags=HASHTAG.findall(text),
        length=len(text) if draft else None,
        limit=limit,
        over_limit=bool(limit and len(text) > limit),
        # The band the policy gave the request (its thresholds, flags, spend), not a guess.
        risk_band=subject.band,
        checks=_checks(draft),
        variants=variants,
        # Several variants still in the item: approving names one of them.
        choosing=sum(card.in_item for card in variants) > 1,
        # Signing off now is already later than the post should have gone out.
        publish_passed=bool(draft and draft.publish_at and draft.publish_at <= now),
        due=countdown(step.deadline_at, now),
        history=history,
        comments=comments,
        is_open=step.status == ApprovalStep.Status.OPEN,
        may_decide=may_decide(step=step, user=request.user),
        # A new version being written for this draft: shown as "working..." with its state.
        rewrite=rewrite_in_progress(draft_id=draft.pk) if draft else None,
        **extra,
    )


@approver_page
def detail(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _open_step_for(request, step_id)
    return render(request, "approvals/web/detail.html", _detail_context(request, step))


@require_POST
@approver_page
def decide(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _open_step_for(request, step_id)
    decision = request.POST.get("decision", "")
    comment = request.POST.get("comment", "")
    chosen = request.POST.get("variant_id", "")
    try:
        decide_step(
            step_id=step.pk,
            actor=request.user,
            decision=decision,
            comment=comment,
            via=DECIDED_VIA_PHONE,
            variant_id=int(chosen) if chosen.isdigit() else None,
        )
    except ApprovalsError as exc:
        step = _open_step_for(request, step_id)
        context = _detail_context(
            request,
            step,
            problem=exc.message,
            problem_field=exc.field,
            comment=comment,
            attempted=decision,
        )
        return render(request, "approvals/web/detail.html", context, status=exc.status_code)
    messages.success(request, f"{DECISIONS.get(decision, 'Decided')}: {_title(step, None)}.")
    return redirect("approver-queue", brand_slug=request.brand.slug)  # type: ignore[attr-defined]


@approver_page
def recent(request: HttpRequest) -> HttpResponse:
    decisions = list(decisions_by(user=request.user)[:30])
    return render(request, "approvals/web/recent.html", page_context(request, decisions=decisions))
