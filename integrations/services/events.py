"""Recording a brand's events and queueing them for the endpoints that want them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from integrations import selectors
from integrations.errors import NotInBrand, UnknownEventType
from integrations.events import ALL_EVENT_TYPES
from integrations.models import Delivery, Event


def enqueue_deliveries(delivery_ids: list[int], *, delay_seconds: float = 0) -> None:
    """Hand deliveries to the worker after the surrounding transaction commits (the brand's
    schema travels with the message)."""
    if not delivery_ids:
        return
    from integrations.tasks import deliver_webhook  # the actor module imports the services

    def send() -> None:
        for delivery_id in delivery_ids:
            deliver_webhook.send_with_options(
                args=(delivery_id,), delay=int(delay_seconds * 1000) or None
            )

    transaction.on_commit(send)


def emit_event(*, event_type: str, data: dict[str, Any]) -> Event:
    """Record an event in the current brand and, on commit, queue its delivery to every active
    endpoint whose filter matches. ``data`` must be JSON-serialisable (dates and UUIDs are fine).
    """
    if event_type not in ALL_EVENT_TYPES:
        raise UnknownEventType(f"Unknown event type '{event_type}'.", field="event_type")
    if connection.schema_name == "public":
        raise NotInBrand("Events belong to a brand: emit them inside the brand's schema.")
    with transaction.atomic():
        event = Event.objects.create(type=event_type, data=data)
        # The deliveries are written with the event, so none is lost if the enqueue is.
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(endpoint=endpoint, event=event)
                for endpoint in selectors.endpoints_for_event(event_type=event_type)
            ]
        )
        enqueue_deliveries([d.pk for d in deliveries])
    return event


def prune_events(*, now: datetime) -> int:
    """Delete events older than EVENT_RETENTION_DAYS with their finished deliveries; an event
    still on its way somewhere is kept until its deliveries finish. Returns events deleted."""
    cutoff = now - timedelta(days=settings.EVENT_RETENTION_DAYS)
    pending = Delivery.objects.filter(event=OuterRef("pk"), status=Delivery.Status.PENDING)
    old = Event.objects.filter(created_at__lt=cutoff).exclude(Exists(pending))
    with transaction.atomic():
        _total, per_model = old.delete()  # cascades to deliveries and their attempts
    return per_model.get(Event._meta.label, 0)
