"""Delivering events to endpoints: attempts, retries with exponential backoff, disabling an
endpoint that has failed for a day (and telling the brand), holding events for a disabled
endpoint, and redelivery on request (one delivery, or everything failed or held since a time)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from integrations import sending
from integrations.errors import EndpointDisabled
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint
from integrations.services.events import HELD, enqueue_deliveries
from outbox.notifications import email_people
from tenants.roles import LEADS
from tenants.selectors import current_brand

logger = logging.getLogger(__name__)


def backoff_seconds(*, attempts: int) -> float:
    """How long to wait after the ``attempts``-th failed attempt: base, 2x base, 4x base, ...,
    capped at WEBHOOK_BACKOFF_MAX_SECONDS."""
    base = float(settings.WEBHOOK_BACKOFF_BASE_SECONDS)
    return float(min(base * (2 ** max(attempts - 1, 0)), settings.WEBHOOK_BACKOFF_MAX_SECONDS))


def _tell_brand_endpoint_disabled(*, endpoint_url: str, reason: str) -> None:
    brand = current_brand()
    sent_to = email_people(
        roles=LEADS,
        subject="A webhook endpoint was disabled",
        body=(
            f"Brandroom stopped sending {brand.name}'s events to {endpoint_url}: {reason}\n\n"
            "Events are kept for it meanwhile. Fix the receiver, re-enable the endpoint (PATCH its "
            "status to 'active'), then send what it missed in one call: POST "
            "webhooks/endpoints/<id>/redeliver/ with the time to redeliver from."
        ),
    )
    if not sent_to:
        logger.warning("Webhook endpoint of %s disabled and nobody to tell", brand.slug)


def _record_failure(*, endpoint: WebhookEndpoint, now: datetime, error: str) -> bool:
    """Count a failed attempt against the endpoint; returns True when this one disabled it
    (the endpoint has failed every attempt for WEBHOOK_DISABLE_AFTER_FAILING_HOURS)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce("failing_since", Value(now)),
    )
    window = timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_FAILING_HOURS)
    # Conditional, so concurrent failures disable (and email) exactly once.
    failing = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, status=WebhookEndpoint.Status.ACTIVE, failing_since__lte=now - window
    )
    run = failing.values("consecutive_failures", "failing_since").first()
    if run is None:
        return False
    reason = (
        f"every attempt failed since {run['failing_since']:%Y-%m-%d %H:%M} UTC "
        f"({run['consecutive_failures']} attempts); the last one: {error}"
    )[:300]
    disabled = failing.update(
        status=WebhookEndpoint.Status.DISABLED, disabled_at=now, disabled_reason=reason
    )
    if disabled:
        _tell_brand_endpoint_disabled(endpoint_url=endpoint.url, reason=reason)
    return bool(disabled)


def _finish(delivery: Delivery, *, status: str, now: datetime) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None


def attempt_delivery(*, delivery_id: int, now: datetime) -> Delivery | None:
    """Make the delivery's next attempt if it is due, and schedule a retry or finish it.

    Safe to run twice: a delivery that is finished, not yet due, or being attempted by another
    worker right now is left alone. Returns None only when that other worker holds it or the
    delivery no longer exists.
    """
    with transaction.atomic():
        # The row lock is held across the HTTP call so two workers never send the same attempt.
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if delivery.status != Delivery.Status.PENDING:
            return delivery
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return delivery
        endpoint = delivery.endpoint
        if not endpoint.is_active:
            if delivery.attempts:
                # Tried and failed already: one of the failures redelivering since covers.
                delivery.last_error = "The endpoint is disabled."
                _finish(delivery, status=Delivery.Status.FAILED, now=now)
            else:
                delivery.status = Delivery.Status.HELD
                delivery.next_attempt_at = None
                delivery.last_error = HELD
            delivery.save(update_fields=["status", "finished_at", "next_attempt_at", "last_error"])
            return delivery

        answer = sending.send(delivery=delivery, brand=current_brand(), now=now)
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            status_code=answer.status_code,
            error=answer.error,
            response_excerpt=answer.excerpt,
            duration_ms=answer.duration_ms,
        )
        delivery.last_status_code = answer.status_code
        delivery.last_error = answer.error
        if answer.succeeded:
            _finish(delivery, status=Delivery.Status.SUCCEEDED, now=now)
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, failing_since=None
            )
        else:
            disabled = _record_failure(endpoint=endpoint, now=now, error=answer.error)
            if disabled or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                _finish(delivery, status=Delivery.Status.FAILED, now=now)
            else:
                delay = backoff_seconds(attempts=delivery.attempts)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                enqueue_deliveries(delivery_ids=[delivery.pk], delay_seconds=delay)
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "finished_at",
            ]
        )
    return delivery


def redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery's event to its endpoint again, as a new delivery with its own log."""
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        raise EndpointDisabled(
            "The endpoint is disabled: set its status to 'active' before redelivering."
        )
    with transaction.atomic():
        again = Delivery.objects.create(
            endpoint=endpoint,
            event_id=delivery.event_id,
            redelivery_of=delivery,
        )
        enqueue_deliveries(delivery_ids=[again.pk])
    return again


def redeliver_since(*, endpoint: WebhookEndpoint, since: datetime) -> dict[str, int]:
    """Send the endpoint every event since ``since`` that it did not get: deliveries held while
    it was disabled are sent as they are, and events whose latest delivery failed get a new
    delivery. Safe to call twice (the endpoint row is locked, and an event already on its way
    again is skipped). Returns how many of each were queued."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not endpoint.is_active:
            raise EndpointDisabled(
                "The endpoint is disabled: set its status to 'active' before redelivering."
            )
        ours = Delivery.objects.filter(endpoint=endpoint, event__created_at__gte=since)
        held = list(
            ours.filter(status=Delivery.Status.HELD).order_by("pk").values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=held).update(status=Delivery.Status.PENDING, last_error="")
        newer = Delivery.objects.filter(
            endpoint=endpoint, event_id=OuterRef("event_id"), pk__gt=OuterRef("pk")
        )
        failed = list(
            ours.filter(status=Delivery.Status.FAILED)
            .exclude(Exists(newer))
            .order_by("event__created_at", "pk")
            .values_list("pk", "event_id")
        )
        again = Delivery.objects.bulk_create(
            [
                Delivery(endpoint=endpoint, event_id=event_id, redelivery_of_id=pk)
                for pk, event_id in failed
            ]
        )
        enqueue_deliveries(delivery_ids=[*held, *(d.pk for d in again)])
    return {"released": len(held), "redelivered": len(again)}


STALLED_AFTER = timedelta(minutes=10)
STALLED_BATCH = 500


def requeue_stalled_deliveries(*, now: datetime) -> int:
    """Hand pending deliveries that were due long ago back to the worker (their message was
    lost, e.g. a broker restart). Attempts are idempotent, so a duplicate costs nothing."""
    cutoff = now - STALLED_AFTER
    stalled = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .filter(
            Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, created_at__lt=cutoff)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:STALLED_BATCH]
    )
    enqueue_deliveries(delivery_ids=stalled)
    return len(stalled)
