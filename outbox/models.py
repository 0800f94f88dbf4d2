"""The brand's outbox: what happened, written in the same transaction as the change itself."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """Something an app announced for others to react to (``name`` such as
    ``content.draft_ready``, a JSON ``payload``). It commits or rolls back with the change that
    caused it, so a reaction can never be lost after the commit: the worker runs every handler
    registered for the name (see ``outbox.handlers``) and a reconciler finds rows it left."""

    name = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    # When the change happened: handlers that record it elsewhere (webhook events) keep this
    # time, so their order is the order of the changes, whatever order the worker ran them in.
    created_at = models.DateTimeField(default=timezone.now)
    # Keys of the handlers that finished, each recorded in the handler's own transaction.
    handled = models.JSONField(default=list, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
