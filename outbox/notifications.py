"""Telling people by email: one service for every app, sent from the worker after the commit.

Recipients follow one rule: active members of the current brand, chosen by role or by id (a
person who left the brand or was deactivated hears nothing). Each email is an outbox event
written with the change, so none is sent for a change that rolled back and none is lost when a
process dies after the commit; the web request never talks to the mail server.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q

from outbox import handlers
from outbox.models import OutboxEvent
from outbox.services import record_events
from tenants.models import Membership, User
from tenants.selectors import current_brand

EMAIL = "outbox.email"


def recipients(*, roles: Iterable[str] = (), user_ids: Iterable[int] = ()) -> list[User]:
    """Active members of the current brand holding one of ``roles`` or among ``user_ids``,
    with an email address, in id order."""
    wanted_roles, wanted_ids = list(roles), list(user_ids)
    if not wanted_roles and not wanted_ids:
        return []
    chosen = Q(role__in=wanted_roles) | Q(user_id__in=wanted_ids)
    members = Membership.objects.filter(chosen, brand=current_brand()).values("user_id")
    return list(
        User.objects.filter(pk__in=members, is_active=True).exclude(email="").order_by("pk")
    )


def email_people(
    *, subject: str, body: str, roles: Iterable[str] = (), user_ids: Iterable[int] = ()
) -> list[str]:
    """Email the chosen people (see ``recipients``) once the transaction commits; the subject
    is prefixed with the brand's name. Returns the addresses, in id order."""
    people = recipients(roles=roles, user_ids=user_ids)
    return email_addresses(addresses=[p.email for p in people], subject=subject, body=body)


def email_addresses(*, addresses: Iterable[str], subject: str, body: str) -> list[str]:
    """``email_people`` for recipients the caller already chose by the same rule (active
    members of the current brand with an address, in id order). Returns the addresses."""
    to = list(addresses)
    full_subject = f"[{current_brand().name}] {subject}"
    # One event per address (a retry after a mail server hiccup resends only what failed),
    # written in one statement.
    record_events(
        name=EMAIL,
        payloads=[{"to": address, "subject": full_subject, "body": body} for address in to],
    )
    return to


def _send(event: OutboxEvent) -> None:
    send_mail(
        subject=event.payload["subject"],
        message=event.payload["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[event.payload["to"]],
        fail_silently=False,
    )


def connect() -> None:
    handlers.register(EMAIL, _send, key="outbox.send_email")
