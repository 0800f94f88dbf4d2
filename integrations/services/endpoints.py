"""Managing a brand's webhook endpoints."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from integrations.destinations import check_webhook_url
from integrations.errors import UnknownEventType
from integrations.events import ALL_EVENT_TYPES
from integrations.models import WebhookEndpoint
from tenants.models import User

SECRET_PREFIX = "whsec_"
ROTATION_OVERLAP = timedelta(hours=24)


def _check_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - ALL_EVENT_TYPES)
    if unknown:
        raise UnknownEventType(f"Unknown event type(s): {', '.join(unknown)}.", field="event_types")
    return sorted(set(event_types))


def create_endpoint(
    *,
    url: str,
    event_types: list[str],
    description: str = "",
    created_by: User | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Register a URL for the brand's events (all types when ``event_types`` is empty); returns
    the endpoint and its signing secret. Private, loopback and link-local URLs are refused."""
    types = _check_event_types(event_types)
    check_webhook_url(url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        event_types=types,
        description=description,
        secret=secret,
        created_by=created_by,
    )
    return endpoint, secret


def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    status: str | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Setting ``status`` to active again re-enables an endpoint that was
    disabled (by hand or for failing) and forgets its failures; what it missed meanwhile is
    sent only when someone asks (``redeliver_since``), so a receiver is not flooded unasked."""
    fields: list[str] = []
    if url is not None and url != endpoint.url:
        check_webhook_url(url)
        endpoint.url = url
        fields.append("url")
    if event_types is not None:
        endpoint.event_types = _check_event_types(event_types)
        fields.append("event_types")
    if description is not None:
        endpoint.description = description
        fields.append("description")
    if status is not None and status != endpoint.status:
        endpoint.status = status
        if status == WebhookEndpoint.Status.ACTIVE:
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
        else:
            endpoint.disabled_at = timezone.now()
            endpoint.disabled_reason = "Disabled by hand."
        fields += [
            "status",
            "consecutive_failures",
            "failing_since",
            "disabled_at",
            "disabled_reason",
        ]
    if fields:
        endpoint.save(update_fields=[*fields, "updated_at"])
    return endpoint


def rotate_endpoint_secret(
    *, endpoint: WebhookEndpoint, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new signing secret (returned, shown once); for ROTATION_OVERLAP
    deliveries carry signatures with both, so receivers can switch without a gap."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = secret
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return endpoint, secret


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its delivery log."""
    endpoint.delete()
