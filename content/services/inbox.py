"""The inbox: comments, mentions and messages received from the networks, worked as a queue
(status, assignee, priority, reply deadline)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from content import announcements
from content.duty import on_inbox_duty
from content.errors import ContentError, InboxTransitionRefused
from content.models import INBOX_OPEN, INBOX_TRANSITIONS, InboxItem, InboxStatus
from content.selectors import reply_deadline_minutes
from content.services.attention import sync_inbox_attention
from content.triage import triage
from outbox.notifications import email_people
from outbox.services import record_event
from tenants.models import User
from tenants.roles import LEADS, role_may
from tenants.selectors import current_brand, role_on_brand


def ingest_inbox_item(*, received_at: datetime | None = None, **fields: Any) -> InboxItem:
    """Store an incoming comment, mention or message; an ``external_id`` seen before is a 409.
    Attempts in it to instruct the assistant are recorded on the item (``injection_signals``);
    it gets its priority (``content.triage``) and its reply deadline from the brand's policy."""
    from content.assistant import injection

    if "author_handle" in fields:
        fields["author_handle"] = str(fields["author_handle"]).lstrip("@")
    thread = [str(m.get("text", "")) for m in fields.get("thread") or [] if isinstance(m, dict)]
    signals = injection.detect(str(fields.get("text", "")), *thread)
    fields["injection_signals"] = [s.as_dict() for s in signals]
    judged = triage(
        text=str(fields.get("text", "")),
        injection_signals=fields["injection_signals"],
        sentiment=fields.pop("sentiment", None) or None,
        author_followers=fields.get("author_followers"),
    )
    now = timezone.now()
    received_at = received_at or now
    deadline = timedelta(minutes=reply_deadline_minutes())
    try:
        with transaction.atomic():
            item = InboxItem.objects.create(
                received_at=received_at,
                sentiment=judged.sentiment,
                priority=judged.priority,
                priority_score=judged.score,
                priority_reasons=judged.reasons,
                reply_due_at=received_at + deadline,
                **fields,
            )
            if item.assignee_id is None:
                _assign_to_whoever_is_on_duty(item, now=now)
            sync_inbox_attention(item_ids=[item.pk])
            record_event(name=announcements.INBOX_ITEM_RECEIVED, payload={"item_id": item.pk})
            return item
    except IntegrityError:
        raise ContentError(
            f"Inbox item '{fields.get('external_id')}' was already received.",
            field="external_id",
            status_code=409,
            code="duplicate",
        ) from None


def _assign_to_whoever_is_on_duty(item: InboxItem, *, now: datetime) -> None:
    """Give a new item to the person on inbox duty now with the fewest open items (rota order
    breaks ties), and tell them by email; nothing when nobody is on inbox duty."""
    on_duty = on_inbox_duty(now=now)
    if not on_duty:
        return
    load = dict(
        InboxItem.objects.filter(assignee_id__in=on_duty, status__in=INBOX_OPEN)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    assignee_id = min(on_duty, key=lambda pk: (load.get(pk, 0), on_duty.index(pk)))
    InboxItem.objects.filter(pk=item.pk).update(
        status=InboxStatus.ASSIGNED, assignee_id=assignee_id, status_changed_at=now
    )
    item.status, item.assignee_id, item.status_changed_at = (
        InboxStatus.ASSIGNED,
        assignee_id,
        now,
    )
    email_people(
        subject=f"New {item.kind} for you from @{item.author_handle}",
        body=_item_email(item, "You are on inbox duty; this item is yours to answer."),
        user_ids=[assignee_id],
    )


def _item_email(item: InboxItem, opening: str) -> str:
    due = f"Reply by {item.reply_due_at:%Y-%m-%d %H:%M} UTC." if item.reply_due_at else ""
    return (
        f"{opening}\n\n"
        f"@{item.author_handle} ({item.get_priority_display()} priority): {item.text[:500]}\n\n"
        f"{due}\n"
        f"Open it on your phone: {settings.PUBLIC_BASE_URL}/brands/{current_brand().slug}"
        f"/approve/inbox/{item.pk}/\n"
    )


# A reminder goes to the assignee when this share of the reply deadline is left.
REMIND_WHEN_LEFT = 0.25


def remind_and_escalate_inbox(*, now: datetime | None = None) -> dict[str, int]:
    """The inbox's own deadline work, for the current brand: remind each assignee once when a
    quarter of an item's reply time is left, and escalate items past their reply deadline to
    the brand's leads (status ``escalated``; the on-duty people hear too). Safe to run twice
    at once: each item is claimed by a conditional UPDATE."""
    now = now or timezone.now()
    deadline = timedelta(minutes=reply_deadline_minutes())
    reminded = escalated = 0
    due_soon = InboxItem.objects.filter(
        status=InboxStatus.ASSIGNED,
        reminded_at__isnull=True,
        reply_due_at__gt=now,
        reply_due_at__lte=now + deadline * REMIND_WHEN_LEFT,
    )
    for item in due_soon.order_by("reply_due_at")[:500]:
        with transaction.atomic():
            if not InboxItem.objects.filter(pk=item.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            minutes = max(1, int((item.reply_due_at - now).total_seconds() // 60))  # type: ignore[operator]
            email_people(
                subject=f"Reply due in {minutes} min: @{item.author_handle}",
                body=_item_email(item, f"The reply to this item is due in {minutes} minutes."),
                user_ids=[item.assignee_id] if item.assignee_id else [],
            )
            reminded += 1
    overdue = InboxItem.objects.filter(
        status__in=[InboxStatus.NEW, InboxStatus.ASSIGNED], reply_due_at__lte=now
    )
    for item in overdue.order_by("reply_due_at")[:500]:
        with transaction.atomic():
            if not InboxItem.objects.filter(
                pk=item.pk, status__in=[InboxStatus.NEW, InboxStatus.ASSIGNED]
            ).update(status=InboxStatus.ESCALATED, status_changed_at=now):
                continue
            email_people(
                subject=f"Overdue inbox item escalated: @{item.author_handle}",
                body=_item_email(
                    item,
                    "Nobody has answered this item within its reply deadline"
                    + (" (it was assigned)." if item.assignee_id else "."),
                ),
                roles=sorted(LEADS),
                user_ids=[
                    *on_inbox_duty(now=now),
                    *([item.assignee_id] if item.assignee_id else []),
                ],
            )
            sync_inbox_attention(item_ids=[item.pk])
            escalated += 1
    return {"reminded": reminded, "escalated": escalated}


def assign_inbox_item(*, item_id: int, assignee: User, now: datetime | None = None) -> InboxItem:
    """Give an unanswered item to a member of the brand who may write for it; a replied or
    ignored item is a 409, someone who may not answer it a 400 naming ``assignee``."""
    if not role_may(role_on_brand(user=assignee, brand=current_brand()), "content.write"):
        raise ContentError(
            f"{assignee.username} is not a member of this brand who may answer the inbox.",
            field="assignee",
        )
    now = now or timezone.now()
    with transaction.atomic():
        moved = InboxItem.objects.filter(
            pk=item_id, status__in=[InboxStatus.NEW, InboxStatus.ASSIGNED, InboxStatus.ESCALATED]
        ).update(status=InboxStatus.ASSIGNED, assignee=assignee, status_changed_at=now)
        if not moved:
            raise _refused(item_id, "assigned")
        sync_inbox_attention(item_ids=[item_id])
        return InboxItem.objects.get(pk=item_id)


def move_inbox_item(*, item_id: int, transition: str, now: datetime | None = None) -> InboxItem:
    """Move an item along the work queue's table (``INBOX_TRANSITIONS``): mark it replied,
    ignore it, escalate it or reopen it. A move its status does not allow is a 409 naming
    where it is. Reopening clears the assignee."""
    if transition not in INBOX_TRANSITIONS:
        raise ContentError(
            f"'{transition}' is not a move; use one of {', '.join(INBOX_TRANSITIONS)}.",
            field="transition",
        )
    sources, target = INBOX_TRANSITIONS[transition]
    changes: dict[str, Any] = {"status": target, "status_changed_at": now or timezone.now()}
    if target == InboxStatus.NEW:
        changes["assignee"] = None
    with transaction.atomic():
        if not InboxItem.objects.filter(pk=item_id, status__in=sources).update(**changes):
            raise _refused(item_id, target)
        sync_inbox_attention(item_ids=[item_id])
        return InboxItem.objects.get(pk=item_id)


def mark_replied_by_publishing(*, item_id: int, now: datetime) -> None:
    """A reply to the item went out: it is answered (nothing happens if it already was)."""
    sources, target = INBOX_TRANSITIONS["mark_replied"]
    if InboxItem.objects.filter(pk=item_id, status__in=sources).update(
        status=target, status_changed_at=now
    ):
        sync_inbox_attention(item_ids=[item_id])


def _refused(item_id: int, target: str) -> ContentError:
    current = InboxItem.objects.filter(pk=item_id).values_list("status", flat=True).first()
    if current is None:
        return ContentError(f"There is no inbox item {item_id}.", status_code=404, code="not_found")
    return InboxTransitionRefused(
        f"Inbox item {item_id} is {current} and cannot become {target}.", field="status"
    )


def delete_inbox_item(*, item: InboxItem) -> None:
    """Remove an inbox item (and its place in the cockpit)."""
    with transaction.atomic():
        item_id = item.pk
        item.delete()
        sync_inbox_attention(item_ids=[item_id])
