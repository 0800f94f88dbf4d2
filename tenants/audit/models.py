"""The audit trail's one table, in the public schema: append-only, here and in the database."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class AuditAction(models.TextChoices):
    BRAND_CREATED = "brand.created"
    BRAND_UPDATED = "brand.updated"
    BRAND_SUSPENDED = "brand.suspended"
    BRAND_ACTIVATED = "brand.activated"
    BRAND_DELETED = "brand.deleted"
    MEMBER_ADDED = "member.added"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    ASSISTANT_SETTINGS_CHANGED = "assistant_settings.changed"
    BOOST_PROPOSED = "boost.proposed"
    BOOST_CHANGED = "boost.changed"
    BOOST_MOVED = "boost.moved"
    BOOST_HELD = "boost.held"
    BOOST_RELEASED = "boost.released"
    BOOST_ASSETS_SET = "boost_assets.set"
    BUDGET_SET = "budget.set"
    DRAFT_ASSETS_SET = "draft_assets.set"
    MEDIA_SETTINGS_CHANGED = "media_settings.changed"
    DRAFT_SCHEDULED = "draft.scheduled"
    PILLAR_CREATED = "pillar.created"
    PILLAR_CHANGED = "pillar.changed"
    PILLAR_DELETED = "pillar.deleted"
    REVIEW_ACTION_APPLIED = "review_action.applied"
    PLAN_PROPOSAL_ACCEPTED = "plan_proposal.accepted"
    PLAN_PROPOSAL_REJECTED = "plan_proposal.rejected"
    TRIGGER_CREATED = "trigger.created"
    TRIGGER_CHANGED = "trigger.changed"
    TRIGGER_DELETED = "trigger.deleted"
    TRIGGER_FIRED = "trigger.fired"
    TRIGGER_ALERT_ACKNOWLEDGED = "trigger_alert.acknowledged"
    SEGMENT_RULE_ADDED = "segment_rule.added"
    SEGMENT_RULE_REMOVED = "segment_rule.removed"


class ActorKind(models.TextChoices):
    PERSON = "person"
    API_KEY = "api_key"
    # Seeding, the worker, the sweep: no request, no person.
    SYSTEM = "system"


class AuditEntry(models.Model):
    """One change: who acted (a person, or an API key and the person who created it), what they
    did, to which subject of which brand, when, and the subject before and after.

    Brand, people and keys are kept as plain ids plus a label written at the time, not foreign
    keys: an entry must survive the deletion of what it talks about. A database trigger refuses
    UPDATE and DELETE (migration 0002).
    """

    at = models.DateTimeField()
    brand_id = models.BigIntegerField()
    brand_slug = models.CharField(max_length=40)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    subject_kind = models.CharField(max_length=40)
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["id"]
        indexes = [models.Index(fields=["brand_id", "id"], name="audit_brand_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_kind__in=ActorKind.values), name="audit_actor_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_action_valid"
            ),
            # A key always names itself; a person never comes with a key.
            models.CheckConstraint(
                condition=Q(actor_kind="api_key", actor_api_key_id__isnull=False)
                | Q(~Q(actor_kind="api_key"), actor_api_key_id__isnull=True),
                name="audit_api_key_actor_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.brand_slug} {self.action} by {self.actor_label}"
