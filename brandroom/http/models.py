"""Public-schema tables of the HTTP infrastructure. They were created by the tenants app and
keep their table names; only the models moved here."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class IdempotencyStatus(models.TextChoices):
    """``IdempotencyRecord.Status``, at module level so the constraint below takes its value
    from it."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class IdempotencyRecord(models.Model):
    """A claimed ``Idempotency-Key`` and, once the request finished, the response to replay.

    Lives in the public schema because platform routes (no brand) take the header too; the
    ``scope`` names brand and caller, so two callers never share a key. The unique constraint is
    the lock: the first request inserts the row, any concurrent repeat fails to insert and waits
    for nothing (brandroom/http/idempotency.py answers it 409 while the first is running).
    """

    Status = IdempotencyStatus

    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "tenants_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="unique_idempotency_key"),
            models.CheckConstraint(
                condition=Q(status=IdempotencyStatus.IN_PROGRESS)
                | Q(response_status__isnull=False),
                name="idempotency_completed_has_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ThrottleCounter(models.Model):
    """One API rate budget's hits in its current window (see brandroom/http/throttling.py)."""

    key = models.CharField(max_length=100, primary_key=True)
    hits = models.PositiveIntegerField()
    window_ends_at = models.DateTimeField()

    class Meta:
        # Unlogged (see the tenants migration that made it); throttling.py writes it in SQL.
        db_table = "tenants_throttlecounter"

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
