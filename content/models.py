"""What a brand writes with and for: its channels (more arrives with the AI assistant)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from content.networks import Network


class Channel(models.Model):
    """One of the brand's accounts on a network, with that network's rules for posts."""

    network = models.CharField(max_length=16, choices=Network.choices)
    handle = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    max_length = models.PositiveIntegerField()
    max_hashtags = models.PositiveIntegerField()
    links_allowed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "handle"], name="unique_channel_handle"),
            models.CheckConstraint(
                condition=Q(max_length__gt=0), name="channel_max_length_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} @{self.handle}"


class Draft(models.Model):
    """A post or a reply written for the brand (by the assistant or by hand), one version each.

    Asking for changes creates a new version (``parent`` points at the one it replaces); the
    approvals app reads drafts and records review outcomes through ``content.services``.
    """

    class Kind(models.TextChoices):
        POST = "post"
        REPLY = "reply"

    class Status(models.TextChoices):
        DRAFT = "draft"  # being written; not yet offered for review
        READY = "ready"  # checked and scored; the approvals policy decides what happens next
        IN_REVIEW = "in_review"
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested"
        PUBLISHED = "published"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    text = models.TextField()
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True)
    # People live in the public schema; no database constraint across schemas, and a removed
    # user must not take the brand's history with them.
    created_by = models.ForeignKey(
        "tenants.User",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_score__isnull=True) | Q(risk_score__lte=100),
                name="draft_risk_score_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "ready",
                        "in_review",
                        "approved",
                        "rejected",
                        "changes_requested",
                        "published",
                    ]
                ),
                name="draft_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="draft_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} draft #{self.pk} v{self.version} ({self.status})"
