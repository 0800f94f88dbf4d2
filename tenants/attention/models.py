"""Public-schema rows: one thing in one brand that waits for someone, with who may see it."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class AttentionKind(models.TextChoices):
    """What kind of thing waits; each kind is written by exactly one app."""

    APPROVAL_STEP = "approval_step", "Approval step"  # approvals: an open step someone must decide
    CRISIS = "crisis", "Crisis"  # approvals: the brand is in crisis
    INBOX_ITEM = (
        "inbox_item",
        "Inbox item overdue",
    )  # content: an unanswered item (listed once past its deadline)
    AI_JOB_FAILED = "ai_job_failed", "AI job failed"  # content: a generation job that failed
    BOOST_PAUSED = "boost_paused", "Boost paused"  # media: a paused boost
    BOOST_OFF_PACE = (
        "boost_off_pace",
        "Boost off pace",
    )  # media: a running boost with a pacing alert
    KPI_OFF_TRACK = (
        "kpi_off_track",
        "KPI off track",
    )  # results: a KPI off track in its current period
    PLAN_GAP = (
        "plan_gap",
        "Plan gap",
    )  # planning: a channel below cadence, or an event without cover, in the next 14 days
    TRIGGER_ALERT = (
        "trigger_alert",
        "Trigger alert",
    )  # listening: an alert trigger fired; waits for the person on duty to acknowledge it


class AttentionRow(models.Model):
    """One thing in one brand that needs someone now (or by ``due_at``).

    Who sees it: members of the brand whose role is in ``roles``, or whose id is in
    ``user_ids``, never anyone in ``excluded_user_ids`` (a request's own authors)."""

    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AttentionKind.choices)
    # The thing's id in the brand's schema (the step, job, boost, KPI, inbox item, incident).
    source_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    # Where a person acts on it: a path on this site (a page where one exists, else the API).
    link = models.CharField(max_length=500)
    # When it started to need attention; ``due_at`` when it must be dealt with by.
    since = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    # The one sort key, most urgent first: the deadline where there is one, else since when it
    # waits (so overdue work and standing trouble come before deadlines still ahead).
    urgent_at = models.DateTimeField()
    roles = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    excluded_user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "kind", "source_id"], name="unique_attention_source"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AttentionKind.values), name="attention_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "urgent_at"], name="attention_brand_urgent"),
            models.Index(fields=["urgent_at", "id"], name="attention_urgent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.source_id} in brand {self.brand_id}"


class ReadinessWeek(models.Model):
    """One brand's always-on readiness in one week (keyed by the week's brand-local Monday).

    The results app computes readiness in the brand's schema and records it here every day
    (the week's last reading stands), so its history, the agency's view and the cockpit read
    one public table instead of every brand's schema."""

    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    # Criterion key -> score (0-100).
    scores = models.JSONField(default=dict)
    measured_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "week"], name="readiness_one_per_brand_week"),
            models.CheckConstraint(
                condition=Q(overall__isnull=True) | Q(overall__lte=100),
                name="readiness_overall_in_range",
            ),
        ]
        indexes = [models.Index(fields=["brand", "-week"], name="readiness_brand_recent")]

    def __str__(self) -> str:
        return f"brand {self.brand_id} week of {self.week}: {self.overall}"
