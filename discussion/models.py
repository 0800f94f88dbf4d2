"""Internal notes on a draft or a boost. Lives in the brand's schema."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tenants.people import person_reference


class Note(models.Model):
    """A staff member's note on one draft or one boost; ``mentions`` are the members it
    notified."""

    class SubjectKind(models.TextChoices):
        DRAFT = "draft"
        BOOST = "boost"

    subject_kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField()
    author = person_reference()
    body = models.TextField()
    # Ids of the members the note's @mentions notified.
    mentions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_kind__in=["draft", "boost"]), name="note_subject_kind_known"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="note_body_not_empty"),
        ]
        indexes = [models.Index(fields=["subject_kind", "subject_id", "created_at"])]

    def __str__(self) -> str:
        return f"note on {self.subject_kind} {self.subject_id}"
