"""Intake: a subject (a draft or a boost) meets the brand's policy, which clears it (recording
why) or opens its chain of approval steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from approvals import presets
from approvals.errors import BoostNeedsAmount, UnknownSubjectKind
from approvals.models import ApprovalRequest, ApprovalStep, AuditEntry, SubjectKind
from approvals.selectors.crisis import brand_in_crisis, crisis_state
from approvals.selectors.people import staffed_roles
from approvals.services.attention import (
    add_new_steps_attention,
    sync_approvals_attention,
    sync_steps_attention,
)
from approvals.services.audit import audit_entry, record
from approvals.services.chain import (
    DRAFT_KINDS,
    Status,
    ask_deciders,
    choose_variant,
    finish_request,
    lock_open_request,
    move_draft,
    new_step,
    prepare_opening,
    step_audit_entry,
    step_state,
)
from approvals.services.due_index import lower_brand_due, sync_brand_due
from approvals.services.notify import announce_outcome, event_on_commit
from approvals.services.policy import get_policy, stored_chains
from approvals.services.rules import plan
from content import selectors as content_selectors
from content.models import Draft


@dataclass(frozen=True)
class ApprovalDecisionResult:
    """What the policy decided for a subject: sign-off needed (with the open request) or not."""

    needs_approval: bool
    request_id: int | None
    reason: str


def request_approval(
    *,
    subject_kind: str,
    subject_id: int,
    risk_score: int,
    actor_id: int | None,
    amount: Decimal | None = None,
    currency: str | None = None,
    summary: str = "",
    variant_ids: Sequence[int] = (),
    drafts: Sequence[Draft] = (),
    now: datetime | None = None,
) -> ApprovalDecisionResult:
    """Ask the brand's policy about a subject: clear it (recording why) or open its chain.

    Drafts (post, reply) are moved to approved or in_review here; a boost's status is the
    media app's to move. Asking again while a request is open returns that request.
    ``actor_id`` asks (None: the system); a draft's author is recorded as the requester
    instead when the draft has one, since the author is who may never approve it.
    A new version of a draft still in review withdraws the request offering the old one; when
    that was one variant of a multi-variant item, the new item offers the new version with the
    variants still in review (nobody is ever asked about the old text again).
    ``drafts`` are the subject and its variants as the caller just read them (locked, in its
    transaction), so they are not read again; any draft not among them is read here.
    """
    now = now or timezone.now()
    if subject_kind not in SubjectKind.values:
        raise UnknownSubjectKind(f"Unknown subject kind '{subject_kind}'.", field="subject_kind")
    if subject_kind == SubjectKind.BOOST and (amount is None or not currency):
        raise BoostNeedsAmount("A boost needs its amount and currency.", field="amount")
    try:
        with transaction.atomic():
            return _request_in_transaction(
                subject_kind=subject_kind,
                subject_id=subject_id,
                risk_score=risk_score,
                actor_id=actor_id,
                amount=amount,
                currency=(currency or "").upper(),
                summary=summary,
                variant_ids=variant_ids,
                known={d.pk: d for d in drafts},
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


def _request_in_transaction(
    *,
    subject_kind: str,
    subject_id: int,
    risk_score: int,
    actor_id: int | None,
    amount: Decimal | None,
    currency: str,
    summary: str,
    variant_ids: Sequence[int],
    known: dict[int, Draft],
    now: datetime,
) -> ApprovalDecisionResult:
    existing = ApprovalRequest.objects.filter(
        subject_kind=subject_kind, subject_id=subject_id, status=Status.OPEN
    ).first()
    if existing is not None:
        return ApprovalDecisionResult(True, existing.pk, existing.reason)
    requested_by_id = actor_id
    flag_names: tuple[str, ...] = ()
    needs_person_reason = ""
    author_ids: list[int] = []
    supersedes: ApprovalRequest | None = None
    carried: list[int] = []
    if subject_kind in DRAFT_KINDS:
        draft = known.get(subject_id) or content_selectors.get_draft(draft_id=subject_id)
        if draft.parent_id:
            supersedes, carried = _supersede(
                subject_kind=subject_kind,
                replaced_id=draft.parent_id,
                by_id=subject_id,
                actor_id=draft.created_by_id or actor_id,
                now=now,
            )
    wanted = {subject_id, *variant_ids, *carried}
    offered = sorted(wanted) if len(wanted) > 1 else []
    if subject_kind in DRAFT_KINDS:
        # The other variants in one read (the subject itself was read above).
        others = known | content_selectors.drafts_by_id(
            draft_ids=[
                draft_id for draft_id in offered if draft_id != subject_id and draft_id not in known
            ]
        )
        alternatives = [
            draft if draft_id == subject_id else others[draft_id]
            for draft_id in offered or [subject_id]
        ]
        # Flags name checks that fired; labels (offline_generated, regenerated) only inform.
        # Any variant's flag counts for the item: the approver may pick that one.
        flag_names = tuple(dict.fromkeys(f for d in alternatives for f in d.flags or ()))
        # The content checks decided a person must see this one, whatever the level or chain.
        for needy in (d for d in alternatives if d.needs_person):
            needs_person_reason = needy.needs_person_reason or "Needs a person."
            break
        # The author is the one who may never approve it, whoever asked on their behalf; nor
        # may anyone who wrote an earlier version (a one-word edit by someone else does not
        # make the original writer a fresh pair of eyes).
        requested_by_id = draft.created_by_id or actor_id
        author_ids = sorted(
            {
                version.created_by_id
                for alternative in alternatives
                for version in _this_and_earlier_versions(alternative)
                if version.created_by_id is not None
            }
        )
        summary = summary or draft.text[:200]
        if carried:
            # The item's other variants are still the riskiest it offers, not only the new one.
            risk_score = max([risk_score, *(d.risk_score or 0 for d in alternatives)])
    return _open_request(
        subject_kind=subject_kind,
        subject_id=subject_id,
        risk_score=risk_score,
        requested_by_id=requested_by_id,
        author_ids=author_ids,
        amount=amount,
        currency=currency,
        summary=summary,
        flag_names=flag_names,
        needs_person_reason=needs_person_reason,
        supersedes=supersedes,
        variant_ids=offered,
        carried=carried,
        now=now,
    )


def _this_and_earlier_versions(draft: Draft) -> list[Draft]:
    """The draft and the versions it revised (a first version, like a new job's variants, has
    none: nothing to read)."""
    if draft.parent_id is None:
        return [draft]
    return [
        version
        for version in content_selectors.draft_history(draft=draft)
        if version.version <= draft.version
    ]


def _supersede(
    *, subject_kind: str, replaced_id: int, by_id: int, actor_id: int | None, now: datetime
) -> tuple[ApprovalRequest | None, list[int]]:
    """Withdraw the open request still offering ``replaced_id`` (a newer version, ``by_id``, is
    up for review: the chain restarts for it, the old version is superseded). Returns the
    request it replaces (the latest one about the old version, open or not, for the history)
    and the other variants of that item still in review, which the new item carries along.

    The open request is found again after its locks are ours: a second revision of another
    variant routed at the same time may have replaced it meanwhile (then its successor is the
    one to withdraw), and a variant approved meanwhile leaves nothing to carry."""
    for _attempt in range(3):
        offering = (
            ApprovalRequest.objects.filter(subject_kind=subject_kind, status=Status.OPEN)
            .filter(
                Q(subject_id=replaced_id)
                | Q(chosen_variant_id__isnull=True, variant_ids__contains=[replaced_id])
            )
            .values_list("pk", flat=True)
            .first()
        )
        if offering is None:
            break
        stale = lock_open_request(request_id=offering)
        if stale is None or replaced_id not in stale.open_variant_ids:
            continue
        carried = [i for i in stale.open_variant_ids if i != replaced_id]
        finish_request(
            request=stale,
            outcome=Status.WITHDRAWN,
            now=now,
            actor_id=actor_id,
            draft_ids=[replaced_id],
        )
        record(
            action="variant_revised" if carried else "version_revised",
            at=now,
            actor_id=actor_id,
            subject_kind=subject_kind,
            subject_id=by_id,
            request_id=stale.pk,
            before={"draft_id": replaced_id, "variant_ids": stale.open_variant_ids},
            after={"draft_id": by_id, "variant_ids": sorted([*carried, by_id])},
        )
        return stale, carried
    latest = (
        ApprovalRequest.objects.filter(subject_kind=subject_kind, subject_id=replaced_id)
        .order_by("-created_at", "-id")
        .first()
    )
    return latest, []


def _open_request(
    *,
    subject_kind: str,
    subject_id: int,
    risk_score: int,
    requested_by_id: int | None,
    author_ids: list[int],
    amount: Decimal | None,
    currency: str,
    summary: str,
    flag_names: tuple[str, ...],
    needs_person_reason: str,
    supersedes: ApprovalRequest | None,
    variant_ids: list[int],
    carried: list[int],
    now: datetime,
) -> ApprovalDecisionResult:
    policy = get_policy()
    in_crisis = brand_in_crisis()
    needs = plan(
        policy=policy,
        kind=subject_kind,
        risk_score=risk_score,
        flagged=bool(flag_names),
        flag_names=flag_names,
        needs_person_reason=needs_person_reason,
        amount=amount,
        currency=currency,
        chains=stored_chains(),
        in_crisis=in_crisis,
        staffed_crisis_roles=staffed_roles(roles=presets.CRISIS_ROLES) if in_crisis else (),
    )
    request = ApprovalRequest.objects.create(
        subject_kind=subject_kind,
        subject_id=subject_id,
        risk_score=risk_score,
        band=needs.band,
        amount=amount,
        currency=currency,
        summary=summary[:500],
        requested_by_id=requested_by_id,
        author_ids=author_ids,
        status=Status.OPEN if needs.needs_approval else Status.NOT_REQUIRED,
        reason=needs.reason[:500],
        level=needs.level,
        inform_roles=needs.inform_roles,
        opened_in_crisis=in_crisis,
        supersedes=supersedes,
        variant_ids=variant_ids,
        created_at=now,
        finished_at=None if needs.needs_approval else now,
    )
    opened = audit_entry(
        action="request_opened" if needs.needs_approval else "request_not_required",
        at=now,
        actor_id=requested_by_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        request_id=request.pk,
        before=None,
        after={
            "status": request.status,
            "band": needs.band,
            "level": needs.level,
            "steps": needs.steps,
            **({"variant_ids": variant_ids} if variant_ids else {}),
        },
        detail=needs.reason,
    )
    if not needs.needs_approval:
        opened.save(force_insert=True)
        if subject_kind in DRAFT_KINDS:
            if len(request.open_variant_ids) > 1:
                _clear_one_variant(request=request, now=now)
            else:
                move_draft(request=request, transition=Draft.Transition.APPROVE, now=now)
            # Integrators schedule what "approval.decided" says is approved (with its media): a
            # draft the policy clears is as approved as a signed-off one. Boosts are moved by
            # their own caller, so they are not announced here.
            announce_outcome(
                request_id=request.pk,
                subject_kind=subject_kind,
                subject_id=request.subject_id,
                outcome=Status.APPROVED.value,
            )
        return ApprovalDecisionResult(False, None, needs.reason)
    # The first step is written open (as open_step would open it), the rest waiting; the
    # request's and the step's audit entries in one statement after them.
    steps = [
        new_step(request=request, position=position, spec=spec)
        for position, spec in enumerate(needs.steps, start=1)
    ]
    first = steps[0]
    waiting = step_state(step=first)
    opening = prepare_opening(step=first, now=now, in_crisis=in_crisis)
    ApprovalStep.objects.bulk_create(steps)
    AuditEntry.objects.bulk_create(
        [
            opened,
            step_audit_entry(
                step=first,
                action="step_opened",
                now=now,
                before=waiting,
                actor_id=requested_by_id,
            ),
        ]
    )
    if subject_kind in DRAFT_KINDS:
        # Variants carried over from a replaced item are in review already.
        move_draft(
            request=request,
            transition=Draft.Transition.SEND_TO_REVIEW,
            now=now,
            draft_ids=[i for i in request.open_variant_ids if i not in carried],
        )
    ask_deciders(step=first, opening=opening, now=now, in_crisis=in_crisis)
    if supersedes is None:
        # Only this request's steps changed (no earlier request was withdrawn): one step
        # opened, so the due index takes its time if earlier, and their cockpit rows are new,
        # from what is in hand; in a crisis the crisis row is read, in case its source id is
        # one of theirs.
        lower_brand_due(due_at=first.next_action_at)
        if in_crisis:
            sync_steps_attention(steps=steps, decisions={}, crisis=crisis_state())
        else:
            add_new_steps_attention(steps=steps)
    else:
        sync_brand_due()
        sync_approvals_attention()
    event_on_commit(
        kind="request_opened",
        payload={
            "request_id": request.pk,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            **({"variant_ids": variant_ids} if variant_ids else {}),
        },
    )
    return ApprovalDecisionResult(True, request.pk, needs.reason)


def _clear_one_variant(*, request: ApprovalRequest, now: datetime) -> None:
    """A job's variants are alternatives, also when the policy clears them without sign-off:
    the least risky one (the first on a tie) is approved and the others are dropped, as an
    approver's choice would, so an integrator never finds three approved posts for one job.
    Offered first (ready -> in review), since a draft is dropped only from review."""
    risks = dict(
        content_selectors.drafts()
        .filter(pk__in=request.open_variant_ids)
        .values_list("pk", "risk_score")
    )
    chosen = min(
        request.open_variant_ids, key=lambda i: (100 if risks.get(i) is None else risks[i], i)
    )
    move_draft(request=request, transition=Draft.Transition.SEND_TO_REVIEW, now=now)
    choose_variant(request=request, variant_id=chosen, now=now, actor_id=None)
    move_draft(request=request, transition=Draft.Transition.APPROVE, now=now)
