"""Reads over a brand's integrations. Runs inside the brand's schema."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from integrations.models import Delivery, Event, WebhookEndpoint


def endpoints_for_event(*, event_type: str) -> QuerySet[WebhookEndpoint]:
    """Endpoints, active or disabled, that want ``event_type`` (an empty filter wants
    everything)."""
    return WebhookEndpoint.objects.filter(Q(event_types=[]) | Q(event_types__contains=[event_type]))


def endpoints() -> QuerySet[WebhookEndpoint]:
    """The brand's webhook endpoints, each with how many deliveries are held for it."""
    return WebhookEndpoint.objects.annotate(
        held_deliveries=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.HELD))
    )


def deliveries(*, endpoint_id: int | None = None) -> QuerySet[Delivery]:
    """The delivery log, with each delivery's event and attempts, optionally for one endpoint."""
    rows = Delivery.objects.select_related("event").prefetch_related("attempt_log")
    if endpoint_id is not None:
        rows = rows.filter(endpoint_id=endpoint_id)
    return rows


def events() -> QuerySet[Event]:
    """The brand's recorded events."""
    return Event.objects.all()
