"""Telling people and other apps: emails (sent by the worker once the transaction commits) and
announcements written as outbox events with the change (see approvals.announcements)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse

from approvals import announcements
from approvals.selectors.people import display_name, member_ids_who_may, member_ids_with_roles
from outbox.notifications import email_people
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


def email_on_commit(*, user_ids: Iterable[int], subject: str, body: str) -> list[str]:
    """Email the people (active members of the brand) from the worker once the transaction
    commits; returns the addresses used."""
    return email_people(user_ids=user_ids, subject=subject, body=body)


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
