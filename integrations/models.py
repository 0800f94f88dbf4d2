"""A brand's events, its webhook endpoints and the delivery log. Lives in the brand's schema."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations.events import EventType
from tenants.people import person_reference


class Event(models.Model):
    """Something that happened on the brand, recorded once and delivered to every endpoint
    whose filter matches. The UUID lets receivers drop duplicates across brands and retries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    # When the change it reports happened (not when the worker recorded it), so events sort in
    # the order things happened.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(type__in=EventType.values), name="event_type_known"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookEndpoint(models.Model):
    """An integrator's URL that receives the brand's events, signed with the endpoint's secret."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        DISABLED = "disabled"

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Event types this endpoint wants; an empty list means every type.
    event_types = models.JSONField(default=list, blank=True)
    # Kept readable (not hashed): every delivery is signed with it.
    secret = models.CharField(max_length=100)
    # After a rotation deliveries are signed with both secrets until this time, so receivers
    # can switch over without rejecting anything.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # When the current run of failed attempts began (cleared by any success): an endpoint is
    # disabled only once it has failed for WEBHOOK_DISABLE_AFTER_FAILING_HOURS, so a short
    # receiver outage during a burst never disables it.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "disabled"]), name="webhook_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(disabled_at__isnull=False),
                name="webhook_disabled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, *, now: datetime) -> list[str]:
        """The secrets a delivery at ``now`` is signed with: the current one, plus the previous
        one while a rotation's overlap lasts."""
        secrets = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at is not None
            and now < self.previous_secret_expires_at
        ):
            secrets.append(self.previous_secret)
        return secrets


class Delivery(models.Model):
    """One event on its way to one endpoint: retried with backoff until it succeeds or fails.

    An event recorded while its endpoint is disabled gets a ``held`` delivery: never attempted,
    kept (like the event) for EVENT_RETENTION_DAYS, and sent when someone re-enables the
    endpoint and asks for it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        HELD = "held"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # None: due now. Set to the backoff's end after a failed attempt, cleared when finished.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            # An event reaches an endpoint once on its own; more only when someone asks again.
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(redelivery_of__isnull=True),
                name="unique_first_delivery",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "held", "succeeded", "failed"]),
                name="delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "held"]) | Q(finished_at__isnull=False),
                name="delivery_finished_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery, as the receiver answered it (or why it could not)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="unique_attempt_number"),
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
