"""Telling people: emails through Django's email backend and events for webhooks, on commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from approvals.selectors.people import display_name, member_ids_who_may, member_ids_with_roles
from approvals.signals import approval_event
from tenants.models import User
from tenants.selectors import current_brand

__all__ = [
    "display_name",
    "email_on_commit",
    "event_on_commit",
    "member_ids_who_may",
    "member_ids_with_roles",
    "step_link",
]


def step_link(step_id: int) -> str:
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
    """Email the people once the transaction commits; returns the addresses used."""
    ids = sorted(set(user_ids))
    addresses = list(
        User.objects.filter(pk__in=ids, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    if addresses:
        brand = current_brand().name
        messages = [
            (f"[{brand}] {subject}", body, settings.DEFAULT_FROM_EMAIL, [address])
            for address in addresses
        ]
        # robust: the change is committed either way; a mail server hiccup is logged, and must
        # not break the caller (an API response, or the sweep's other brands).
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False), robust=True)
    return addresses


def event_on_commit(*, kind: str, payload: dict[str, Any]) -> None:
    """Announce an approvals event (for webhooks) once the transaction commits."""
    schema = current_brand().schema_name
    full = {"brand": schema, **payload}
    transaction.on_commit(lambda: approval_event.send_robust(sender=None, kind=kind, payload=full))
