"""One row per running worker or scheduler process, refreshed every few seconds (public schema)."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    class Kind(models.TextChoices):
        WORKER = "worker"
        SCHEDULER = "scheduler"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # host:pid of the process; a restarted process is a new row, a stopped one deletes its own.
    process = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "process"], name="heartbeat_one_per_process"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.process}"
