"""Telling people and other apps: emails (sent by the worker once the transaction commits) and
announcements written as outbox events with the change (see approvals.announcements)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from approvals import announcements
from approvals.models import DigestEntry
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.digests import digest_minutes_for
from approvals.selectors.people import (
    NoticeMember,
    display_name,
    member_ids_who_may,
    member_ids_with_roles,
)
from outbox.notifications import email_addresses, recipients
from outbox.services import record_event
from tenants.selectors import current_brand

__all__ = [
    "announce_crisis",
    "announce_outcome",
    "display_name",
    "email_on_commit",
    "event_on_commit",
    "member_ids_who_may",
    "member_ids_with_roles",
    "step_link",
]


def step_link(*, step_id: int) -> str:
    """The step's page on the approver's phone view, as a full URL for an email.

    Always the /brands/<slug>/ form of the root URL conf: it works on any host, and the worker
    (or a request on a brand's own hostname, with its own URL conf) builds the same link.
    """
    path = reverse(
        "approver-step",
        urlconf=settings.ROOT_URLCONF,
        kwargs={"brand_slug": current_brand().slug, "step_id": step_id},
    )
    return f"{settings.PUBLIC_BASE_URL}{path}"


def email_on_commit(
    *,
    user_ids: Iterable[int],
    subject: str,
    body: str,
    urgent: bool = True,
    deadline: datetime | None = None,
    now: datetime | None = None,
    in_crisis: bool | None = None,
    members: Sequence[NoticeMember] | None = None,
) -> list[str]:
    """Email the people (active members of the brand) from the worker once the transaction
    commits; returns the addresses used (emailed now or held for a digest).

    A notice that is not ``urgent`` waits for the digest of each person who takes digests
    (``approvals.services.digests``), unless the brand is in crisis or a digest could not
    bring it with at least as much time left before ``deadline`` as it waited. ``in_crisis``
    is the brand's crisis state when the caller has just read it (else it is read here);
    ``members`` every member as ``notice_members`` read them (else who is needed is read)."""
    ids = list(user_ids)
    known = None if members is None else {m.user_id: m for m in members}

    def addresses(chosen: list[int]) -> list[tuple[int, str]]:
        # The recipients' rule (outbox.notifications.recipients) on the members read.
        if known is None:
            return [(p.pk, p.email) for p in recipients(user_ids=chosen)]
        return sorted((i, known[i].email) for i in set(chosen) if i in known and known[i].email)

    if urgent or not ids or (brand_in_crisis() if in_crisis is None else in_crisis):
        to = addresses(ids) if ids else []
        return email_addresses(addresses=[a for _i, a in to], subject=subject, body=body)
    now = now or timezone.now()
    if known is None:
        minutes_of = digest_minutes_for(user_ids=ids)
    else:
        default = settings.APPROVALS_DIGEST_MINUTES
        minutes_of = {}
        for i in ids:
            member = known.get(i)
            chosen = member.digest_minutes if member is not None else None
            minutes_of[i] = default if chosen is None else chosen
    at_once: list[int] = []
    held: list[int] = []
    for user_id, minutes in minutes_of.items():
        wait = timedelta(minutes=minutes)
        too_late = deadline is not None and now + 2 * wait > deadline
        (at_once if minutes == 0 or too_late else held).append(user_id)
    sent = (
        email_addresses(addresses=[a for _i, a in addresses(at_once)], subject=subject, body=body)
        if at_once
        else []
    )
    people = addresses(held) if held else []
    if people:
        DigestEntry.objects.bulk_create(
            DigestEntry(user_id=user_id, subject=subject, body=body, created_at=now)
            for user_id, _address in people
        )
    return sent + [address for _i, address in people]


def event_on_commit(*, kind: str, payload: dict[str, Any]) -> None:
    """Announce an approvals notice (for webhooks) with the change; delivered after the
    commit."""
    record_event(name=announcements.NOTICE, payload={"notice": kind, **payload})


def announce_outcome(*, request_id: int, subject_kind: str, subject_id: int, outcome: str) -> None:
    """Announce that a request finished (media moves its boost, integrators hear of it)."""
    record_event(
        name=announcements.REQUEST_FINISHED,
        payload={
            "request_id": request_id,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "outcome": outcome,
        },
    )


def announce_crisis(*, active: bool) -> None:
    """Announce that the brand entered (or stood down from) crisis mode."""
    record_event(name=announcements.CRISIS_CHANGED, payload={"active": active})
