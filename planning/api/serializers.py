"""Request and response shapes of the planning API. Input shape only; rules live in the
services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from content.api.serializers import ViolationSerializer
from planning.models import (
    Campaign,
    ChannelPurpose,
    DistributionKind,
    ItemStatus,
    PlanItem,
    PlanProposal,
)
from planning.production import STEPS, production_steps
from planning.selectors import plan as plan_selectors

ID = {"min_value": 1, "max_value": 2**63 - 1}
SHARE = {
    "max_digits": 5,
    "decimal_places": 2,
    "min_value": Decimal(0),
    "max_value": Decimal(100),
}
OUT_SHARE = {"max_digits": 5, "decimal_places": 2, "coerce_to_string": True}


class PillarSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="What the pillar is for."
    )
    target_share = serializers.DecimalField(
        **SHARE,
        help_text="Percent of the brand's posts this pillar should have; all pillars together "
        "at most 100.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class PillarChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    target_share = serializers.DecimalField(**SHARE, required=False)


class CadenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    channel = serializers.IntegerField(source="channel_id", **ID)
    posts_per_week = serializers.IntegerField(min_value=0, max_value=100)
    purpose = serializers.ChoiceField(
        choices=ChannelPurpose.choices, default=ChannelPurpose.MARKETING
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CadenceChangeSerializer(serializers.Serializer):
    posts_per_week = serializers.IntegerField(min_value=0, max_value=100, required=False)
    purpose = serializers.ChoiceField(choices=ChannelPurpose.choices, required=False)


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Campaign.Kind.choices, default=Campaign.Kind.CAMPAIGN)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="The last day (included).")
    goal = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    pillar = serializers.IntegerField(source="pillar_id", required=False, allow_null=True, **ID)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CampaignChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Campaign.Kind.choices, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    goal = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    pillar = serializers.IntegerField(required=False, allow_null=True, **ID)


class ProductionStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(STEPS))
    due_on = serializers.DateField(
        help_text="The plan's lead days (settings/) before the item's day or week's Monday."
    )
    done = serializers.BooleanField(help_text="The item's status is at this step or past it.")
    late = serializers.BooleanField(
        help_text="Not done and due before today (brand-local); a week item's publish step "
        "only after its Sunday; never for a dropped item."
    )


class DistributionActionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DistributionKind.choices)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="A planned boost's amount (boost only, above zero).",
    )
    currency = serializers.CharField(
        read_only=True, help_text="The brand's currency when the boost was planned; else empty."
    )
    channel = serializers.IntegerField(
        source="channel_id",
        required=False,
        allow_null=True,
        help_text="A cross-post's other channel (cross_post only).",
        **ID,
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


def _item_row(item: PlanItem) -> dict[str, Any]:
    """An item instance (one just written) as the list's plain row (plan.item_rows)."""
    row = {column: getattr(item, column) for column in plan_selectors.ITEM_COLUMNS}
    row["created"], row["updated"] = item.created_at.isoformat(), item.updated_at.isoformat()
    row["actions"] = [
        {
            "kind": action.kind,
            "amount": None if action.amount is None else str(action.amount),
            "currency": action.currency,
            "channel": action.channel_id,
            "note": action.note,
        }
        for action in item.distribution.all()
    ]
    return row


# Renders production_steps with the context's "lead" (LeadDays) and "today" (brand-local).
class PlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    planned_on = serializers.DateField(
        help_text="The brand-local day; with whole_week, any day of the week (stored as its "
        "Monday)."
    )
    whole_week = serializers.BooleanField(
        default=False, help_text="The item goes out some time that week, not on a set day."
    )
    publish_time = serializers.TimeField(
        required=False, allow_null=True, help_text="Brand-local time of day, if set."
    )
    channel = serializers.IntegerField(source="channel_id", **ID)
    pillar = serializers.IntegerField(source="pillar_id", **ID)
    campaign = serializers.IntegerField(source="campaign_id", required=False, allow_null=True, **ID)
    owner = serializers.IntegerField(
        source="owner_id", required=False, allow_null=True, help_text="A brand member.", **ID
    )
    audience = serializers.IntegerField(
        source="audience_id",
        required=False,
        allow_null=True,
        help_text="The audience profile the post is for; its brief gets it when started.",
        **ID,
    )
    distribution = DistributionActionSerializer(
        many=True,
        required=False,
        help_text="How the item reaches people, in order (at most 10); given whole, it "
        "replaces what the item had.",
    )
    status = serializers.ChoiceField(choices=ItemStatus.choices, read_only=True)
    brief = serializers.IntegerField(
        source="brief_id",
        read_only=True,
        allow_null=True,
        help_text="The brief the item was started into (POST items/<id>/start/).",
    )
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    production_steps = serializers.SerializerMethodField(
        help_text="Brief, draft, sign-off and publish with their due days."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per serializer, so per request: the active zone (behind a context-local, slow to
        # read per item) and the steps of each (day, week or not, status) seen so far: a month
        # has one per day and channel, so six items share each answer.
        self._zone: Any = None
        self._steps: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

    def to_representation(self, item: PlanItem | dict[str, Any]) -> dict[str, Any]:
        # Written out rather than DRF's walk over the fields (a source lookup and checks per
        # field and item): a month of the plan is ~180 items a page, and that walk cost more
        # than the query (bench/ "Plan for a month"). The list hands in plan.item_rows' plain
        # rows, a single item's answer its instance. tests/planning/test_plan_api.py holds
        # this to the declared fields.
        row = _item_row(item) if isinstance(item, PlanItem) else item
        if self._zone is None:
            self._zone = timezone.get_current_timezone()

        def stamp(iso: str) -> str:
            # As DRF's DateTimeField: in the active zone, UTC as "Z".
            text = datetime.fromisoformat(iso).astimezone(self._zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        publish_time = row["publish_time"]
        return {
            "id": row["pk"],
            "title": row["title"],
            "notes": row["notes"],
            "planned_on": row["planned_on"].isoformat(),
            "whole_week": row["whole_week"],
            "publish_time": None if publish_time is None else publish_time.isoformat(),
            "channel": row["channel_id"],
            "pillar": row["pillar_id"],
            "campaign": row["campaign_id"],
            "owner": row["owner_id"],
            "audience": row["audience_id"],
            "distribution": row["actions"] or [],
            "status": row["status"],
            "brief": row["brief_id"],
            "created_by": row["created_by_id"],
            "created_at": stamp(row["created"]),
            "updated_at": stamp(row["updated"]),
            "production_steps": self._production_steps(
                row["planned_on"], row["whole_week"], row["status"]
            ),
        }

    @extend_schema_field(ProductionStepSerializer(many=True))
    def get_production_steps(self, item: PlanItem) -> list[dict[str, Any]]:
        return self._production_steps(item.planned_on, item.whole_week, item.status)

    def _production_steps(
        self, planned_on: date, whole_week: bool, status: str
    ) -> list[dict[str, Any]]:
        key = (planned_on, whole_week, status)
        if key not in self._steps:
            steps = production_steps(
                planned_on=planned_on,
                whole_week=whole_week,
                status=status,
                lead=self.context["lead"],
                today=self.context["today"],
            )
            self._steps[key] = [
                {"step": s.step, "due_on": s.due_on.isoformat(), "done": s.done, "late": s.late}
                for s in steps
            ]
        # Each item gets its own list of its own dicts: nothing downstream can change another's.
        return [dict(step) for step in self._steps[key]]


class PlanItemChangeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    planned_on = serializers.DateField(required=False)
    whole_week = serializers.BooleanField(required=False)
    publish_time = serializers.TimeField(required=False, allow_null=True)
    channel = serializers.IntegerField(required=False, **ID)
    pillar = serializers.IntegerField(required=False, **ID)
    campaign = serializers.IntegerField(required=False, allow_null=True, **ID)
    owner = serializers.IntegerField(required=False, allow_null=True, **ID)
    audience = serializers.IntegerField(required=False, allow_null=True, **ID)
    distribution = DistributionActionSerializer(many=True, required=False)


class StartItemSerializer(serializers.Serializer):
    request_drafts = serializers.BooleanField(
        default=False,
        help_text="Also ask the assistant for a post draft for the item's channel (the brand's "
        "AI budget applies; 402 when spent, and nothing is started).",
    )


class StartedItemSerializer(PlanItemSerializer):
    generation_job = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The drafts job asked for with request_drafts (content's jobs/), or null.",
    )


class ItemStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ItemStatus.choices,
        help_text="planned → briefed → scheduled → published; any open item can be dropped, "
        "a dropped one planned again.",
    )


class PlanMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    closed = serializers.BooleanField()
    planned = serializers.IntegerField(help_text="Items not dropped.")
    published = serializers.IntegerField()
    dropped = serializers.IntegerField()
    missed = serializers.IntegerField(help_text="Planned but not published (closed months).")
    cadence_target = serializers.IntegerField(
        help_text="Posts the channels' cadence asks for in the month."
    )


class WeekGapSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The week's Monday.")
    planned = serializers.IntegerField()
    target = serializers.IntegerField()
    short_by = serializers.IntegerField()


class ChannelGapSerializer(serializers.Serializer):
    channel = serializers.IntegerField(source="channel_id")
    channel_name = serializers.CharField(source="channel")
    purpose = serializers.CharField()
    posts_per_week = serializers.IntegerField()
    planned = serializers.IntegerField()
    target = serializers.IntegerField(help_text="posts_per_week × weeks.")
    short_by = serializers.IntegerField(help_text="Items missing in the weeks below cadence.")
    weeks_below_cadence = WeekGapSerializer(many=True)


class PillarMixSerializer(serializers.Serializer):
    pillar = serializers.IntegerField(source="pillar_id")
    name = serializers.CharField()
    target_share = serializers.DecimalField(**OUT_SHARE)
    planned = serializers.IntegerField()
    actual_share = serializers.DecimalField(**OUT_SHARE)
    drift = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=True,
        help_text="actual_share - target_share, in percentage points.",
    )
    to_target = serializers.IntegerField(
        help_text="Items to add (positive) or move to other pillars (negative) to hit the target."
    )
    status = serializers.ChoiceField(choices=["on_target", "under", "over", "no_items"])


class EventCoverSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign_id")
    name = serializers.CharField()
    kind = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    planned = serializers.IntegerField(
        help_text="Items in the range that cover it: a campaign's or launch's own items; any "
        "item on a holiday's or peak period's days."
    )
    covered = serializers.BooleanField()
    on_duty = serializers.ListField(
        source="on_duty_ids",
        child=serializers.IntegerField(),
        help_text="Ids of the people on approvals duty (the rota) on some day of it, in rota "
        "order: who signs off what is made for it at short notice.",
    )


class OwnerLoadSerializer(serializers.Serializer):
    owner = serializers.IntegerField(source="owner_id")
    week_start = serializers.DateField()
    planned = serializers.IntegerField()
    capacity = serializers.IntegerField()
    over_by = serializers.IntegerField()


LEAD_DAYS = {"min_value": 0, "max_value": 90}


class PlanSettingsSerializer(serializers.Serializer):
    owner_weekly_capacity = serializers.IntegerField(
        min_value=1,
        max_value=100,
        help_text="Items one owner can carry in a week; the gaps view names owners above it.",
    )
    brief_lead_days = serializers.IntegerField(
        **LEAD_DAYS, help_text="Days before an item's publish day its brief is due (10)."
    )
    draft_lead_days = serializers.IntegerField(
        **LEAD_DAYS,
        help_text="Days before the publish day the draft is due (7); at most brief_lead_days.",
    )
    signoff_lead_days = serializers.IntegerField(
        **LEAD_DAYS,
        help_text="Days before the publish day sign-off is due (2); at most draft_lead_days.",
    )


class GapsSerializer(serializers.Serializer):
    from_ = serializers.DateField(source="start", help_text="Monday of the first week.")
    to = serializers.DateField(source="end", help_text="Sunday of the last week.")
    weeks = serializers.IntegerField()
    planned = serializers.IntegerField(help_text="Items planned (not dropped) in the weeks.")
    target = serializers.IntegerField(help_text="Posts the cadence asks for in the weeks.")
    short_by = serializers.IntegerField()
    unassigned_share = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=True,
        help_text="Percent of posts no pillar targets.",
    )
    channels = ChannelGapSerializer(many=True)
    pillars = PillarMixSerializer(many=True)
    events = EventCoverSerializer(
        many=True, help_text="Campaigns and calendar events overlapping the range, with cover."
    )
    owners_over_capacity = OwnerLoadSerializer(
        many=True, help_text="Owners with more items in a week than the plan's capacity."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class FindingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=["worked", "did_not_work"])
    text = serializers.CharField(max_length=5000)
    evidence = serializers.ListField(
        child=serializers.URLField(max_length=500),
        required=False,
        default=list,
        help_text="Links to posts, reports or screenshots (at most 20).",
    )
    learning = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also a learning: the assistant reads it when writing the brand's next drafts "
        "(at most 300 characters; the brand keeps at most 20, 409 beyond).",
    )
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class LearningSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="The finding's id.")
    kind = serializers.ChoiceField(choices=["worked", "did_not_work"], read_only=True)
    text = serializers.CharField(read_only=True)
    review = serializers.IntegerField(source="review_id", read_only=True)
    review_period = serializers.CharField(source="review.period", read_only=True)
    review_period_start = serializers.DateField(source="review.period_start", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


ACTION_KIND_HELP = (
    "pillar_target (give pillar and target_share), item_status (plan_item and item_status), "
    "item_date (plan_item and planned_on), or other (a change outside the plan: applying "
    "records it as done)."
)


class ReviewActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(
        choices=["pillar_target", "item_status", "item_date", "other"], help_text=ACTION_KIND_HELP
    )
    owner = serializers.IntegerField(source="owner_id", required=False, allow_null=True, **ID)
    due_on = serializers.DateField()
    pillar = serializers.IntegerField(source="pillar_id", required=False, allow_null=True, **ID)
    target_share = serializers.DecimalField(**SHARE, required=False, allow_null=True)
    plan_item = serializers.IntegerField(
        source="plan_item_id", required=False, allow_null=True, **ID
    )
    item_status = serializers.ChoiceField(
        choices=ItemStatus.choices, required=False, allow_blank=True
    )
    planned_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=["open", "applied"], read_only=True)
    applied_by = serializers.IntegerField(source="applied_by_id", read_only=True, allow_null=True)
    applied_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reminded_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the owner was reminded it is overdue."
    )
    escalated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the account leads were told."
    )


class PlanDeliverySerializer(serializers.Serializer):
    planned = serializers.IntegerField(help_text="Items of the period not dropped.")
    published = serializers.IntegerField()
    dropped = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Planned and not (yet) published.")


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    period = serializers.ChoiceField(choices=["week", "month", "quarter"])
    period_start = serializers.DateField(
        help_text="Any day of the period; stored as its first day (weeks start on Monday)."
    )
    status = serializers.ChoiceField(choices=["open", "closed"], read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    findings = FindingSerializer(many=True, read_only=True, source="findings.all")
    actions = ReviewActionSerializer(many=True, read_only=True, source="actions.all")
    pack_state = serializers.ChoiceField(
        choices=["queued", "building", "ready", "failed"],
        read_only=True,
        help_text="The worker's assembly of the review pack (rebuild with rebuild/).",
    )
    pack_built_at = serializers.DateTimeField(read_only=True, allow_null=True)


PACK_HELP = (
    "Assembled by the worker (see docs/planning.md): period, from, to, kpis (target, actual, "
    "projected, variance, trend, status, department and owner per KPI, as of the period's "
    "end), best_posts and worst_posts (engagement rate, channel, audience, pillar, time), "
    "delivery (planned, published, published_on_time, published_late, dropped, open, "
    "on_time_share), signoff_minutes (median per post, reply, boost), replies (median_minutes, "
    "in_time_share, distribution), paid (engagements, results), posts_published and "
    "previous_actions (the previous review's actions and where they stand, or null). Numbers "
    "are decimal strings or null; empty until the pack is ready."
)


class ReviewDetailSerializer(ReviewSerializer):
    delivery = PlanDeliverySerializer(
        read_only=True, help_text="The period's plan items: planned against published."
    )
    pack = serializers.DictField(read_only=True, help_text=PACK_HELP)


class ProposalRequestSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First brand-local day (today or later).")
    end = serializers.DateField(help_text="Last brand-local day (included); at most 92 days.")
    channels = serializers.ListField(
        child=serializers.IntegerField(**ID),
        required=False,
        allow_empty=False,
        max_length=50,
        help_text="Only these channels (default: every channel with a cadence).",
    )
    pillars = serializers.ListField(
        child=serializers.IntegerField(**ID),
        required=False,
        allow_empty=False,
        max_length=50,
        help_text="Only these pillars (default: all).",
    )


class PlanProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    range_start = serializers.DateField(read_only=True)
    range_end = serializers.DateField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="Generated: untrusted text.")
    planned_on = serializers.DateField(read_only=True)
    publish_time = serializers.TimeField(read_only=True, allow_null=True)
    channel = serializers.IntegerField(source="channel_id", read_only=True)
    pillar = serializers.IntegerField(source="pillar_id", read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True, allow_null=True)
    rationale = serializers.CharField(
        read_only=True, help_text="Why the assistant proposes it (generated: untrusted text)."
    )
    flags = ViolationSerializer(
        many=True,
        read_only=True,
        help_text="What the drafts' guardrails found in the generated text; a flagged proposal "
        "is accepted only with a title of your own.",
    )
    audience = serializers.IntegerField(
        source="audience_id",
        read_only=True,
        allow_null=True,
        help_text="An audience whose preferred channels include the channel's network; "
        "accepting carries it to the item.",
    )
    labels = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Why the wording is the offline planner's: offline_generated, "
        "provider_unavailable, replaced_unsafe_output or offline_wording (none: the model's).",
    )
    provider = serializers.CharField(read_only=True)
    model = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=PlanProposal.Status.choices, read_only=True)
    plan_item = serializers.IntegerField(source="plan_item_id", read_only=True, allow_null=True)
    decision_reason = serializers.CharField(read_only=True)
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class AcceptProposalSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    planned_on = serializers.DateField(required=False)
    publish_time = serializers.TimeField(required=False, allow_null=True)
    channel = serializers.IntegerField(required=False, **ID)
    pillar = serializers.IntegerField(required=False, **ID)
    campaign = serializers.IntegerField(required=False, allow_null=True, **ID)
    owner = serializers.IntegerField(required=False, allow_null=True, **ID)
    audience = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Default: the proposal's audience; null for none.",
        **ID,
    )


class RejectProposalSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
