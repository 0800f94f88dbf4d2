"""Reads over a brand's integrations. Runs inside the brand's schema."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from integrations.models import Delivery, Event, WebhookEndpoint


def endpoints_for_event(*, event_type: str) -> QuerySet[WebhookEndpoint]:
    """Active endpoints that want ``event_type`` (an empty filter wants everything)."""
    return WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE).filter(
        Q(event_types=[]) | Q(event_types__contains=[event_type])
    )


def endpoints() -> QuerySet[WebhookEndpoint]:
    """The brand's webhook endpoints."""
    return WebhookEndpoint.objects.all()


def deliveries(*, endpoint_id: int | None = None) -> QuerySet[Delivery]:
    """The delivery log, with each delivery's event and attempts, optionally for one endpoint."""
    rows = Delivery.objects.select_related("event").prefetch_related("attempt_log")
    if endpoint_id is not None:
        rows = rows.filter(endpoint_id=endpoint_id)
    return rows


def events() -> QuerySet[Event]:
    """The brand's recorded events."""
    return Event.objects.all()
