"""Drafts: written by hand, checked and scored, offered for review, moved through review
outcomes and recorded as published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from content import announcements, scheduling
from content.errors import ContentError, DraftNotFound, DraftTransitionRefused
from content.models import DRAFT_TRANSITIONS, Brief, Channel, Draft, InboxItem
from content.services.inbox import mark_replied_by_publishing
from outbox.services import record_event, record_events_together
from tenants.audit import services as audit
from tenants.audit.models import AuditAction


def mark_draft_ready(*, draft: Draft) -> Draft:
    """Offer a checked and scored draft for review: announces ``DRAFT_READY`` in the same
    transaction, so the approvals policy gets to see it even if this process dies next. A post
    without a publish time gets its version's, else the default (``content.scheduling``)."""
    with transaction.atomic():
        if draft.kind == Draft.Kind.POST and draft.publish_at is None:
            _give_default_publish_time(draft)
        if draft.status != Draft.Status.READY:
            draft = transition_draft(draft_id=draft.pk, transition=Draft.Transition.MARK_READY)
        else:
            # Stored ready (no transition ran): followers of its brief still hear of it.
            _announce_move(draft)
        record_event(
            name=announcements.DRAFT_READY,
            payload={"draft_id": draft.pk, "parent_id": draft.parent_id},
        )
    return draft


def _default_publish_time(draft: Draft) -> datetime | None:
    """Its earlier version's publish time, else what the plan or audience says (or None)."""
    return _publish_advice(draft).publish_at


def _publish_advice(draft: Draft) -> scheduling.PublishAdvice:
    """``_default_publish_time``, with whether the plan follows its brief when that was read."""
    parent_time = (
        Draft.objects.filter(pk=draft.parent_id).values_list("publish_at", flat=True).first()
        if draft.parent_id is not None
        else None
    )
    if parent_time is not None:
        return scheduling.PublishAdvice(parent_time)
    return scheduling.publish_advice(
        brief_id=draft.brief_id, audience_id=draft.audience_id, now=timezone.now()
    )


def _give_default_publish_time(draft: Draft) -> None:
    publish_at = _default_publish_time(draft)
    if publish_at is not None:
        Draft.objects.filter(pk=draft.pk).update(publish_at=publish_at)
        draft.publish_at = publish_at


def offer_new_drafts(*, drafts: list[Draft]) -> list[Draft]:
    """Store new, checked and scored drafts (a generation job's variants) ready for review, as
    ``mark_draft_ready`` would offer each, with a few statements for them all: one INSERT for
    the drafts (stored ready: no transition runs on a row just made) and one for their
    announcements (``DRAFT_MOVED`` for a brief's drafts, then ``DRAFT_READY``). Posts without a
    publish time get the default, worked out once per brief, audience and earlier version."""
    times: dict[tuple[int | None, int | None, int | None], scheduling.PublishAdvice] = {}
    # Briefs the plan does not follow, as read with the publish time: their move is announced
    # saying so, and the plan's reaction reads nothing.
    unfollowed: set[int] = set()
    for draft in drafts:
        draft.status = Draft.Status.READY
        if draft.kind == Draft.Kind.POST and draft.publish_at is None:
            key = (draft.brief_id, draft.audience_id, draft.parent_id)
            if key not in times:
                times[key] = _publish_advice(draft)
            draft.publish_at = times[key].publish_at
            if times[key].followed is False and draft.brief_id is not None:
                unfollowed.add(draft.brief_id)
    with transaction.atomic(savepoint=False):
        stored = Draft.objects.bulk_create(drafts)
        moved = [
            (
                announcements.DRAFT_MOVED,
                {
                    "draft_id": d.pk,
                    "brief_id": d.brief_id,
                    "status": d.status,
                    **({"followed": False} if d.brief_id in unfollowed else {}),
                },
            )
            for d in stored
            if d.brief_id is not None
        ]
        ready = [
            (announcements.DRAFT_READY, {"draft_id": d.pk, "parent_id": d.parent_id})
            for d in stored
        ]
        record_events_together(events=[*moved, *ready])
    for draft in stored:
        draft._stored_status = draft.status
    return stored


def _announce_move(draft: Draft) -> None:
    """Tell whoever follows briefs (the plan) that a brief's draft moved on."""
    if draft.brief_id is not None:
        record_event(
            name=announcements.DRAFT_MOVED,
            payload={"draft_id": draft.pk, "brief_id": draft.brief_id, "status": draft.status},
        )


def transition_draft(*, draft_id: int, transition: str) -> Draft:
    """Move a draft along one named transition of ``DRAFT_TRANSITIONS`` (send to review,
    approve, hold, release, publish, ...). It only happens from a status the transition starts
    from: a draft that moved on meanwhile raises DraftTransitionRefused (409) naming where it
    is, and nothing changes."""
    if transition not in DRAFT_TRANSITIONS:
        raise ContentError(f"Unknown draft transition '{transition}'.", field="transition")
    sources, target = DRAFT_TRANSITIONS[transition]
    now = timezone.now()
    table = connection.ops.quote_name(Draft._meta.db_table)
    # One statement moves the draft and returns it as it now is (UPDATE ... RETURNING): the
    # move only happens from a source status, so a draft that moved on returns nothing.
    # Approving flags it late when signed off after the time it should have gone out.
    late = ", approved_late = coalesce(publish_at < %s, false)"
    approve = transition == Draft.Transition.APPROVE
    sql = (
        f"UPDATE {table} SET status = %s, updated_at = %s{late if approve else ''}"
        " WHERE id = %s AND status = ANY(%s) RETURNING *"
    )
    params: list[Any] = [target, now, *([now] if approve else []), draft_id, sorted(sources)]
    # No savepoint inside a caller's transaction: nothing in the block is caught here, and a
    # refusal is raised after it, with nothing written.
    with transaction.atomic(savepoint=False):
        moved = list(Draft.objects.raw(sql, params))
        if moved:
            _announce_move(moved[0])
            return moved[0]
    current = Draft.objects.filter(pk=draft_id).values_list("status", flat=True).first()
    if current is None:
        raise DraftNotFound(f"Draft {draft_id} does not exist.")
    raise DraftTransitionRefused(
        f"Draft {draft_id} is {current}; '{transition}' only applies to "
        f"{' or '.join(sorted(sources))} drafts.",
        field="status",
    )


def mark_draft_published(
    *, draft_id: int, external_id: str, url: str = "", published_at: datetime | None = None
) -> tuple[Draft, bool]:
    """Record that an approved draft went out on the network (the integrator's callback);
    returns the draft and whether this call changed it. Repeating it with the same external id
    changes nothing; any other draft that is not approved (e.g. held in review by a crisis) is a
    409. Announces ``DRAFT_PUBLISHED`` with the change."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(pk=draft_id).first()
        if draft is None:
            raise DraftNotFound(f"Draft {draft_id} does not exist.")
        if draft.status == Draft.Status.PUBLISHED and draft.external_id == external_id:
            return draft, False
        if draft.status != Draft.Status.APPROVED:
            raise DraftTransitionRefused(
                f"Only approved drafts can be marked published; this one is {draft.status}."
            )
        transition_draft(draft_id=draft.pk, transition=Draft.Transition.PUBLISH)
        Draft.objects.filter(pk=draft.pk).update(
            external_id=external_id,
            external_url=url,
            published_at=published_at or timezone.now(),
        )
        if draft.inbox_item_id is not None:
            # The reply went out: the item it answers leaves the work queue.
            mark_replied_by_publishing(item_id=draft.inbox_item_id, now=timezone.now())
        record_event(name=announcements.DRAFT_PUBLISHED, payload={"draft_id": draft_id})
    return Draft.objects.get(pk=draft_id), True


def _check_and_offer(draft: Draft) -> Draft:
    from content.assistant import pipeline
    from content.assistant.context import context_for_draft
    from content.services.generation import assistant_settings

    ctx = context_for_draft(draft)
    threshold = assistant_settings().novelty_threshold
    violations, similar, scored, flags = pipeline.check_text(draft.text, ctx, threshold=threshold)
    draft.voice_version = ctx.voice.version
    draft.guardrail_violations = [v.as_dict() for v in violations]
    draft.novelty = similar.as_dict()
    draft.risk_score = scored.score
    draft.risk_reasons = scored.reasons
    draft.flags = flags
    draft.needs_person_reason = pipeline.needs_person_reason(
        flags, ctx=ctx, codes=[v.code for v in violations]
    )
    draft.needs_person = bool(draft.needs_person_reason)
    draft.save(
        update_fields=[
            "voice_version",
            "guardrail_violations",
            "novelty",
            "risk_score",
            "risk_reasons",
            "flags",
            "needs_person",
            "needs_person_reason",
            "updated_at",
        ]
    )
    return mark_draft_ready(draft=draft)


def write_draft(
    *,
    kind: str,
    text: str,
    channel: Channel | None = None,
    brief: Brief | None = None,
    inbox_item: InboxItem | None = None,
    created_by: Any = None,
    created_by_key_id: int | None = None,
) -> Draft:
    """A draft written by hand: checked and scored like generated ones, then offered for review.
    Through an API key, ``created_by_key_id`` names the key and ``created_by`` its creator."""
    with transaction.atomic():
        draft = Draft.objects.create(
            kind=kind,
            text=text,
            channel=channel or (inbox_item.channel if inbox_item else None),
            brief=brief,
            audience=brief.audience if brief else None,
            inbox_item=inbox_item,
            provider="human",
            created_by=created_by,
            created_by_key_id=created_by_key_id,
        )
        return _check_and_offer(draft)


def revise_draft(
    *, draft_id: int, text: str, created_by: Any = None, created_by_key_id: int | None = None
) -> Draft:
    """Edit a draft by hand: the edit is a new version (the old one stays as history), checked
    again and offered for review. Only the newest version of an unpublished draft can change.

    Editing an approved draft takes its approval away: the old version is superseded (it must
    not go out; integrators hear ``DRAFT_SUPERSEDED``) and the new one is reviewed afresh. A
    variant dropped for another of its job cannot be revised: that would reopen a decision."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft_id)
        if draft.status == Draft.Status.PUBLISHED:
            raise ContentError(
                f"Draft {draft.pk} is published; write a new post instead.",
                status_code=409,
                code="conflict",
            )
        if draft.status == Draft.Status.DROPPED:
            raise ContentError(
                f"Draft {draft.pk} was dropped when another variant of its job was approved; "
                "edit the chosen variant or write a new draft.",
                status_code=409,
                code="conflict",
            )
        was_approved = draft.status == Draft.Status.APPROVED
        try:
            with transaction.atomic():
                revision = Draft.objects.create(
                    kind=draft.kind,
                    text=text,
                    channel=draft.channel,
                    version=draft.version + 1,
                    # A revised variant keeps its place among the job's alternatives.
                    variant=draft.variant,
                    parent=draft,
                    brief=draft.brief,
                    audience=draft.audience,
                    inbox_item=draft.inbox_item,
                    provider="human",
                    created_by=created_by,
                    created_by_key_id=created_by_key_id,
                )
        except IntegrityError:
            raise ContentError(
                f"Draft {draft.pk} already has a newer version; edit that one.",
                status_code=409,
                code="conflict",
            ) from None
        if was_approved:
            transition_draft(draft_id=draft.pk, transition=Draft.Transition.SUPERSEDE)
            record_event(
                name=announcements.DRAFT_SUPERSEDED,
                payload={"draft_id": draft.pk, "superseded_by": revision.pk},
            )
        return _check_and_offer(revision)


def send_inbox_reply(*, item_id: int, text: str, created_by: Any = None) -> Draft | None:
    """Answer an inbox item: a new version of its newest reply, or a first reply, checked and
    offered for review like any draft. None when the newest reply already says ``text`` (sent
    twice, or by two people at once: the item's row lock makes the second see the first)."""
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item_id)
        latest = (
            Draft.objects.filter(inbox_item=item, kind=Draft.Kind.REPLY)
            .order_by("-created_at", "-pk")
            .first()
        )
        if latest is not None and latest.text == text:
            return None
        if latest is not None and latest.status != Draft.Status.PUBLISHED:
            return revise_draft(draft_id=latest.pk, text=text, created_by=created_by)
        return write_draft(kind=Draft.Kind.REPLY, text=text, inbox_item=item, created_by=created_by)


DELETABLE = (Draft.Status.DRAFT, Draft.Status.READY, Draft.Status.REJECTED)


def delete_draft(*, draft_id: int) -> None:
    """Remove a draft nobody is reviewing and nothing was published from."""
    deleted, _ = Draft.objects.filter(pk=draft_id, status__in=DELETABLE).delete()
    if not deleted:
        raise ContentError(
            f"Draft {draft_id} is in review, approved or published and cannot be deleted.",
            status_code=409,
            code="conflict",
        )


def schedule_draft(*, draft_id: int, publish_at: datetime) -> Draft:
    """Set when a post should go out (a new time is announced as due again when it comes). A
    published draft or a reply is a 409 and nothing changes; the change is in the audit
    trail."""
    if timezone.is_naive(publish_at):
        raise ContentError("Give the publish time with its time zone.", field="publish_at")
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(pk=draft_id).first()
        if draft is None:
            raise DraftNotFound(f"Draft {draft_id} does not exist.")
        if draft.kind != Draft.Kind.POST:
            raise ContentError(
                f"Draft {draft_id} is a reply; replies go out when they are sent.",
                field="publish_at",
            )
        if draft.status in (Draft.Status.PUBLISHED, Draft.Status.SUPERSEDED):
            raise DraftTransitionRefused(
                f"Draft {draft_id} is {draft.status}; its publish time no longer changes.",
                field="publish_at",
            )
        before = draft.publish_at
        draft.publish_at = publish_at
        draft.due_announced_at = None
        draft.save(update_fields=["publish_at", "due_announced_at", "updated_at"])
        audit.record(
            action=AuditAction.DRAFT_SCHEDULED,
            subject=draft,
            before={"publish_at": before},
            after={"publish_at": publish_at},
        )
        _announce_move(draft)
    return draft


def announce_due_drafts(*, now: datetime, limit: int = 500) -> int:
    """Announce ``DRAFT_DUE`` for approved drafts whose publish time has come, once each: the
    rows are claimed under ``SKIP LOCKED`` and marked in the same transaction as their events,
    so two sweeps at once or again never announce one twice. Returns how many."""
    with transaction.atomic():
        due = list(
            Draft.objects.select_for_update(skip_locked=True)
            .filter(
                status=Draft.Status.APPROVED, due_announced_at__isnull=True, publish_at__lte=now
            )
            .order_by("publish_at", "pk")
            .values_list("pk", "publish_at")[:limit]
        )
        Draft.objects.filter(pk__in=[pk for pk, _at in due]).update(due_announced_at=now)
        for pk, publish_at in due:
            record_event(
                name=announcements.DRAFT_DUE, payload={"draft_id": pk, "publish_at": publish_at}
            )
    return len(due)
