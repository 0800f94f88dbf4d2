"""Approvals API shapes; validation only, the rules live in approvals.services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import (
    ApprovalMode,
    ApprovalRequest,
    ApprovalStep,
    AuditEntry,
    AutonomyPolicy,
    ChainRule,
    CoverageWindow,
    CrisisState,
    Decision,
    Duty,
    Incident,
    IncidentUpdate,
    QuietHours,
    TimeoutRule,
)
from approvals.selectors import item_variants, unheld_chain_steps
from tenants.roles import Role


# A person reference's ``<name>_id`` is serialised exactly as the plain bigint column it was
# before it became one (migration 0004): same field, validators, nullability and schema, so
# the API does not change. (A comment, not a docstring: the schema would show a docstring.)
class PersonIdsAsBefore(serializers.ModelSerializer):
    def build_field(
        self, field_name: str, info: Any, model_class: Any, nested_depth: int
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        reference = next(
            (
                f
                for f in model_class._meta.concrete_fields
                if isinstance(f, models.ForeignKey)
                and f.attname == field_name
                and f.related_model is get_user_model()
            ),
            None,
        )
        if reference is None:
            return super().build_field(field_name, info, model_class, nested_depth)
        column: models.Field[Any, Any] = models.BigIntegerField(
            null=reference.null, blank=reference.blank
        )
        column.set_attributes_from_name(field_name)
        column.model = model_class
        return self.build_standard_field(field_name, column)


class ChainWarningSerializer(serializers.Serializer):
    kind = serializers.CharField()
    band = serializers.CharField()
    position = serializers.IntegerField()
    roles = serializers.ListField(child=serializers.CharField())
    detail = serializers.CharField()


class PolicySerializer(serializers.ModelSerializer):
    in_crisis = serializers.SerializerMethodField()
    effective_level = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="Chain steps nobody on the brand can decide (no member holds their roles)."
    )

    class Meta:
        model = AutonomyPolicy
        fields = [
            "level",
            "effective_level",
            "in_crisis",
            "medium_risk_from",
            "high_risk_from",
            "allow_auto_approve",
            "boost_currency",
            "boost_no_signoff_up_to",
            "boost_lead_up_to",
            "crisis_threshold",
            "warnings",
            "updated_at",
        ]
        read_only_fields = ["level", "updated_at"]

    @extend_schema_field(ChainWarningSerializer(many=True))
    def get_warnings(self, policy: AutonomyPolicy) -> list[dict[str, Any]]:
        return list(self.context.get("warnings", []))

    def get_in_crisis(self, policy: AutonomyPolicy) -> bool:
        return bool(self.context.get("in_crisis"))

    def get_effective_level(self, policy: AutonomyPolicy) -> int:
        return 0 if self.context.get("in_crisis") else policy.level


class PolicyUpdateSerializer(serializers.Serializer):
    medium_risk_from = serializers.IntegerField(min_value=1, max_value=100, required=False)
    high_risk_from = serializers.IntegerField(min_value=1, max_value=100, required=False)
    allow_auto_approve = serializers.BooleanField(required=False)
    boost_currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    boost_no_signoff_up_to = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False
    )
    boost_lead_up_to = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False
    )
    crisis_threshold = serializers.IntegerField(min_value=1, max_value=5, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Silently ignoring a field the caller meant to change is worse than refusing it.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if "level" in unknown:
            raise serializers.ValidationError(
                {
                    "level": "The level is changed with POST approvals/policy/preset/ {level}, "
                    "which also replaces every chain with the level's preset."
                }
            )
        if unknown:
            raise serializers.ValidationError(
                {unknown[0]: f"Not a policy setting; settable: {', '.join(self.fields)}."}
            )
        return attrs


class PresetSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=0, max_value=3)


class ChainStepSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(Role.choices), min_length=1)
    mode = serializers.ChoiceField(ApprovalMode.choices, default=ApprovalMode.ANY)
    deadline_minutes = serializers.IntegerField(min_value=1)
    reminder_minutes = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    on_timeout = serializers.ChoiceField(TimeoutRule.choices, default=TimeoutRule.ESCALATE)


class ChainRuleSerializer(serializers.ModelSerializer):
    steps = ChainStepSerializer(many=True)
    inform_roles = serializers.ListField(
        child=serializers.ChoiceField(Role.choices), required=False, default=list
    )
    warnings = serializers.SerializerMethodField(
        help_text="Steps of this chain nobody on the brand can decide."
    )

    class Meta:
        model = ChainRule
        fields = ["kind", "band", "steps", "inform_roles", "warnings", "updated_at"]
        read_only_fields = ["kind", "band", "updated_at"]

    @extend_schema_field(ChainWarningSerializer(many=True))
    def get_warnings(self, rule: ChainRule) -> list[dict[str, Any]]:
        # A list reads the warnings of every rule at once (``chain_warnings`` in the context).
        by_rule = self.context.get("chain_warnings")
        if by_rule is None:
            return unheld_chain_steps(rules=[rule])
        return list(by_rule.get((rule.kind, rule.band), []))


class DecisionSerializer(PersonIdsAsBefore):
    decision = serializers.CharField(
        source="verdict",
        read_only=True,
        help_text="What the person decided: approve, reject or request_changes (the same word "
        "as the decision body's 'decision').",
    )
    verdict = serializers.CharField(
        read_only=True, help_text="Deprecated: the same as 'decision', kept for old clients."
    )

    class Meta:
        model = Decision
        fields = ["id", "decider_id", "role", "decision", "verdict", "comment", "created_at"]


class StepSerializer(PersonIdsAsBefore):
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "request_id",
            "position",
            "roles",
            "mode",
            "status",
            "is_crisis_step",
            "deadline_minutes",
            "reminder_minutes",
            "on_timeout",
            "opened_at",
            "deadline_at",
            "first_deadline_at",
            "reminders_sent",
            "escalated_at",
            "escalated_to_ids",
            "decided_at",
            "decided_by_id",
            "decisions",
        ]


class VariantSerializer(serializers.Serializer):
    """One alternative of a multi-variant item, as the approver compares them."""

    id = serializers.IntegerField(help_text="The draft's id: name it as variant_id to approve it.")
    variant = serializers.IntegerField()
    status = serializers.CharField(
        help_text="in_review while the item is open; approved, dropped (another was chosen), ..."
    )
    text = serializers.CharField()
    channel_id = serializers.IntegerField(allow_null=True)
    risk_score = serializers.IntegerField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    needs_person_reason = serializers.CharField()


class RequestSerializer(PersonIdsAsBefore):
    steps = StepSerializer(many=True, read_only=True)
    variants = serializers.SerializerMethodField(
        help_text="A generation job's variants reviewed as this one item (empty for a single "
        "subject): approve one by naming it as variant_id; the others are dropped."
    )
    chosen_variant_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The variant approved out of several."
    )

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, request: ApprovalRequest) -> list[dict[str, Any]]:
        return VariantSerializer(item_variants(request=request), many=True).data  # type: ignore[return-value]

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "subject_kind",
            "subject_id",
            "status",
            "reason",
            "level",
            "band",
            "risk_score",
            "amount",
            "currency",
            "summary",
            "requested_by_id",
            "opened_in_crisis",
            "supersedes_id",
            "created_at",
            "finished_at",
            "variants",
            "chosen_variant_id",
            "steps",
        ]


class QueueItemSerializer(StepSerializer):
    request = RequestSerializer(read_only=True)

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "request"]


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(["approve", "reject", "request_changes"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    variant_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Approving an item with several variants: the id of the one approved "
        "(the others are dropped). Not needed for a single subject.",
    )


class NotificationSettingsSerializer(serializers.Serializer):
    digest_minutes = serializers.IntegerField(
        min_value=0,
        max_value=1440,
        help_text="How often you get one digest email of what is not urgent on this brand (new "
        "posts and boosts to review, early reminders, approvals for your information), in "
        "minutes; 0 sends each at once. Replies, crises, escalations and deadlines too close "
        "to wait always go at once.",
    )


class AuditEntrySerializer(PersonIdsAsBefore):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_id",
            "action",
            "subject_kind",
            "subject_id",
            "request_id",
            "step_id",
            "before",
            "after",
            "detail",
        ]


class CoverageWindowSerializer(PersonIdsAsBefore):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), min_length=1
    )

    class Meta:
        model = CoverageWindow
        fields = ["id", "user_id", "duty", "label", "weekdays", "starts", "ends", "created_at"]
        extra_kwargs = {
            "duty": {
                "help_text": "approvals (default): escalated sign-offs reach them; inbox: "
                "incoming inbox items are assigned to them."
            }
        }
        read_only_fields = ["id", "created_at"]


class QuietHoursSerializer(PersonIdsAsBefore):
    class Meta:
        model = QuietHours
        fields = ["user_id", "starts", "ends", "created_at"]
        read_only_fields = ["user_id", "created_at"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()


class OnDutyQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False,
        help_text="The moment to ask about (ISO 8601 with an offset); default: now.",
    )
    duty = serializers.ChoiceField(
        choices=Duty.choices,
        required=False,
        default=Duty.APPROVALS,
        help_text="Whose duty: approvals (default) or inbox.",
    )


class OnDutySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    on_duty = PersonSerializer(many=True)
    escalations_go_to = PersonSerializer(many=True)
    source = serializers.ChoiceField(["crisis_team", "rota", "account_lead", "nobody"])


class IncidentUpdateSerializer(PersonIdsAsBefore):
    class Meta:
        model = IncidentUpdate
        fields = ["id", "author_id", "note", "severity_before", "severity_after", "created_at"]


class IncidentSerializer(PersonIdsAsBefore):
    timeline = IncidentUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "summary",
            "severity",
            "owner_id",
            "status",
            "opened_by_id",
            "created_at",
            "closed_at",
            "timeline",
        ]
        read_only_fields = ["id", "status", "opened_by_id", "created_at", "closed_at"]


class IncidentCreateSerializer(serializers.Serializer):
    summary = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        help_text="Required unless inbox_item is given (then it defaults to naming the item).",
    )
    severity = serializers.IntegerField(min_value=1, max_value=5)
    owner_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    inbox_item = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Raise it from this inbox item: the item is quoted as the evidence.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("summary") and attrs.get("inbox_item") is None:
            raise serializers.ValidationError({"summary": "Say what happened."})
        return attrs


class IncidentChangeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.IntegerField(min_value=1, max_value=5, required=False)
    close = serializers.BooleanField(required=False, default=False)


class CrisisStateSerializer(serializers.ModelSerializer):
    incident = IncidentSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CrisisState
        fields = ["active", "since", "incident"]


class FiguresSerializer(serializers.Serializer):
    decided_requests = serializers.IntegerField()
    median_minutes_to_decision = serializers.FloatField(allow_null=True)
    share_within_deadline = serializers.FloatField(allow_null=True)
    escalations = serializers.IntegerField()
    expired_steps = serializers.IntegerField()
    unheld_chain_steps = ChainWarningSerializer(
        many=True, help_text="Chain steps nobody on the brand can decide today."
    )
