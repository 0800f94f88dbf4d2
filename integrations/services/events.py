"""Recording a brand's events and queueing them for the endpoints that want them."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations.errors import NotInBrand, UnknownEventType
from integrations.events import ALL_EVENT_TYPES
from integrations.models import Delivery, Event, WebhookEndpoint
from tenants.selectors import current_schema_name
from tenants.worker import enqueue_on_commit


def enqueue_deliveries(*, delivery_ids: list[int], delay_seconds: float = 0) -> None:
    """Hand deliveries to the worker after the surrounding transaction commits (the brand's
    schema travels with the message). A message lost on the way is found again by the
    stalled-deliveries sweep: the delivery rows are what counts."""
    if not delivery_ids:
        return
    from integrations.tasks import deliver_webhook  # the actor module imports the services

    delay_ms = int(delay_seconds * 1000)
    for delivery_id in delivery_ids:
        enqueue_on_commit(deliver_webhook, delivery_id, options={"delay": delay_ms or None})


HELD = "Held while the endpoint is disabled; sent when it is re-enabled and redelivered."


def _record_sql() -> str:
    """The statement ``emit_event`` sends: the event, and a delivery of it to each endpoint that
    wants its type (``selectors.endpoints_for_event``'s filter), held for a disabled one, in
    one INSERT ... SELECT; it returns the deliveries. Table names come from the models (the
    brand's schema is the search_path), so the text is the same in every brand."""
    active = WebhookEndpoint.Status.ACTIVE.value
    return f"""
        WITH event AS (
            INSERT INTO {Event._meta.db_table} (id, type, data, created_at)
            VALUES (%(id)s, %(type)s, %(data)s::jsonb, %(at)s)
        )
        INSERT INTO {Delivery._meta.db_table} (
            endpoint_id, event_id, status, attempts, last_error, created_at
        )
        SELECT endpoint.id, %(id)s,
            CASE WHEN endpoint.status = '{active}' THEN %(pending)s ELSE %(held)s END,
            0,
            CASE WHEN endpoint.status = '{active}' THEN '' ELSE %(held_why)s END,
            %(now)s
        FROM {WebhookEndpoint._meta.db_table} AS endpoint
        WHERE endpoint.event_types = '[]'::jsonb OR endpoint.event_types @> %(wanted)s::jsonb
        ORDER BY endpoint.id
        RETURNING id, status"""


def emit_event(
    *, event_type: str, data: dict[str, Any], occurred_at: datetime | None = None
) -> Event:
    """Record an event in the current brand and, on commit, queue its delivery to every active
    endpoint whose filter matches (a disabled endpoint's delivery is held for it). ``data``
    must be JSON-serialisable (dates and UUIDs are fine).
    ``occurred_at`` is when the change it reports happened (default: now); events are ordered
    by it.
    """
    if event_type not in ALL_EVENT_TYPES:
        raise UnknownEventType(f"Unknown event type '{event_type}'.", field="event_type")
    if current_schema_name() == "public":
        raise NotInBrand("Events belong to a brand: emit them inside the brand's schema.")
    now = timezone.now()
    event = Event(id=uuid.uuid4(), type=event_type, data=data, created_at=occurred_at or now)
    # Joins a caller's transaction (an outbox reaction) without a savepoint: nothing here
    # catches a database error. The deliveries are written with the event, so none is lost if
    # the enqueue is.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            _record_sql(),
            {
                "id": event.id,
                "type": event_type,
                "data": json.dumps(data, cls=DjangoJSONEncoder),
                "at": event.created_at,
                "pending": Delivery.Status.PENDING.value,
                "held": Delivery.Status.HELD.value,
                "held_why": HELD,
                "now": now,
                "wanted": json.dumps([event_type]),
            },
        )
        deliveries = cursor.fetchall()
        enqueue_deliveries(
            delivery_ids=[pk for pk, status in deliveries if status == Delivery.Status.PENDING]
        )
    event._state.adding = False
    event._state.db = connection.alias
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
