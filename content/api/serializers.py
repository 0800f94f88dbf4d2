"""Shapes of the content API. Validation of input shape only; rules live in the services."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from content.models import (
    AssistantSettings,
    AudienceProfile,
    BrandVoice,
    Brief,
    Channel,
    Draft,
    GenerationJob,
    InboxItem,
    InboxTransition,
    Sentiment,
)
from content.networks import Network
from content.progress import job_progress


def strings(**kwargs: object) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, **kwargs
    )


# "HH:MM-HH:MM", 24-hour clock; "22:00-01:00" runs past midnight.
TIME_RANGE = r"^(?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-3]):[0-5]\d$"
MAX_POST_LENGTH = 200_000
MAX_HASHTAGS = 100


class ChannelSerializer(serializers.ModelSerializer):
    # Bounded well past any network's real limit (the longest, LinkedIn articles, is ~125k
    # characters) and well inside the database column, so absurd numbers are a 400, not a 500.
    max_length = serializers.IntegerField(min_value=1, max_value=MAX_POST_LENGTH, required=False)
    max_hashtags = serializers.IntegerField(min_value=0, max_value=MAX_HASHTAGS, required=False)
    links_allowed = serializers.BooleanField(required=False, allow_null=True, default=None)

    class Meta:
        model = Channel
        fields = [
            "id",
            "network",
            "handle",
            "name",
            "max_length",
            "max_hashtags",
            "links_allowed",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class DisclosureSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=100)
    when = serializers.ChoiceField(choices=["always", "paid"], default="always")


class VoiceSerializer(serializers.ModelSerializer):
    tone = strings()
    dos = strings()
    donts = strings()
    banned_phrases = strings()
    required_disclosures = DisclosureSerializer(many=True, required=False)
    hashtags = strings()
    good_examples = serializers.ListField(
        child=serializers.CharField(max_length=5000), required=False
    )
    bad_examples = serializers.ListField(
        child=serializers.CharField(max_length=5000), required=False
    )
    allowed_domains = strings()
    allowed_handles = strings()
    sensitive_topics = strings()
    competitors = strings()

    class Meta:
        model = BrandVoice
        fields = [
            "version",
            "tone",
            "personality",
            "dos",
            "donts",
            "banned_phrases",
            "required_disclosures",
            "emoji_policy",
            "max_hashtags",
            "hashtags",
            "reading_level",
            "locale",
            "good_examples",
            "bad_examples",
            "allowed_domains",
            "allowed_handles",
            "sensitive_topics",
            "competitors",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["version", "created_by", "created_at"]


class AudienceSerializer(serializers.ModelSerializer):
    # Uniqueness is the service's (race-safe) job: a duplicate is a 409, not a 400.
    name = serializers.CharField(max_length=120)
    motivations = strings()
    pains = strings()
    preferred_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Network.choices), required=False
    )
    active_hours = serializers.ListField(
        child=serializers.RegexField(
            TIME_RANGE,
            error_messages={"invalid": 'Use a local time range such as "07:00-09:00".'},
        ),
        required=False,
        help_text='Local time ranges such as "07:00-09:00" (one may run past midnight).',
    )
    signals = strings()

    class Meta:
        model = AudienceProfile
        fields = [
            "id",
            "name",
            "description",
            "motivations",
            "pains",
            "preferred_channels",
            "active_hours",
            "signals",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class BriefSerializer(serializers.ModelSerializer):
    channels = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Channel.objects.all(), required=False
    )

    class Meta:
        model = Brief
        fields = [
            "id",
            "title",
            "goal",
            "key_message",
            "audience",
            "channels",
            "call_to_action",
            "campaign",
            "is_paid",
            "deadline",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]


class ThreadMessageSerializer(serializers.Serializer):
    author = serializers.CharField(max_length=100)
    text = serializers.CharField(max_length=10000)


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class RiskReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    points = serializers.IntegerField()


class InboxItemSerializer(serializers.ModelSerializer):
    thread = ThreadMessageSerializer(many=True, required=False)
    sentiment = serializers.ChoiceField(
        choices=Sentiment.choices,
        required=False,
        help_text="As the network or a listening tool judged it; guessed from the text if left "
        "out.",
    )
    author_followers = serializers.IntegerField(
        min_value=0,
        max_value=2_000_000_000,
        required=False,
        allow_null=True,
        help_text="The author's followers (their reach); raises the priority.",
    )
    priority_reasons = RiskReasonSerializer(many=True, read_only=True)
    injection_signals = ViolationSerializer(
        many=True,
        read_only=True,
        help_text="Attempts to instruct the assistant; replies to this item need a person.",
    )
    received_at = serializers.DateTimeField(required=False)
    external_id = serializers.CharField(
        max_length=200, required=False, allow_null=True, help_text="The network's id; unique."
    )
    author_handle = serializers.RegexField(
        r"^@?[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,48}[A-Za-z0-9_])?$", max_length=100
    )

    class Meta:
        model = InboxItem
        fields = [
            "id",
            "kind",
            "channel",
            "external_id",
            "author_handle",
            "text",
            "permalink",
            "received_at",
            "in_reply_to_text",
            "in_reply_to_permalink",
            "thread",
            "injection_signals",
            "author_followers",
            "sentiment",
            "priority",
            "priority_score",
            "priority_reasons",
            "status",
            "assignee",
            "reply_due_at",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "injection_signals",
            "priority",
            "priority_score",
            "priority_reasons",
            "status",
            "assignee",
            "reply_due_at",
            "status_changed_at",
            "created_at",
        ]


class NoveltySerializer(serializers.Serializer):
    score = serializers.FloatField()
    threshold = serializers.IntegerField()
    similar_draft_id = serializers.IntegerField(allow_null=True)
    similar_text = serializers.CharField()
    similar_status = serializers.CharField(
        required=False,
        help_text="What the similar text is: published, approved, in_review or ready (a draft "
        "waiting), or variant (another variant of the same job).",
    )
    too_similar = serializers.BooleanField()


class DraftSerializer(serializers.ModelSerializer):
    guardrail_violations = ViolationSerializer(many=True, read_only=True)
    risk_reasons = RiskReasonSerializer(many=True, read_only=True)
    novelty = serializers.SerializerMethodField()
    flags = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Checks that fired (each puts the draft in the policy's high band).",
    )
    labels = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Information only: offline_generated, regenerated, regeneration_failed.",
    )
    offline_generated = serializers.SerializerMethodField()
    # Blank until the integrator's published callback: a string, not a "uri", so "" validates.
    external_id = serializers.CharField(read_only=True)
    external_url = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    publish_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the post should go out (set with schedule/; by default the plan "
        "item's time or the audience's next active hour).",
    )
    scheduled = serializers.SerializerMethodField(
        help_text="Approved with a publish time: ready for the integrator to post then."
    )
    approved_late = serializers.BooleanField(
        read_only=True, help_text="Approved only after its publish time had passed."
    )

    class Meta:
        model = Draft
        fields = [
            "id",
            "kind",
            "status",
            "channel",
            "text",
            "version",
            "parent",
            "job",
            "variant",
            "brief",
            "audience",
            "inbox_item",
            "provider",
            "model",
            "prompt_version",
            "voice_version",
            "tokens_in",
            "tokens_out",
            "cost_estimate",
            "latency_ms",
            "attempts",
            "guardrail_violations",
            "novelty",
            "risk_score",
            "risk_reasons",
            "flags",
            "labels",
            "needs_person",
            "needs_person_reason",
            "offline_generated",
            "created_by",
            "created_by_key_id",
            "created_at",
            "updated_at",
            "external_id",
            "external_url",
            "published_at",
            "publish_at",
            "scheduled",
            "approved_late",
        ]
        read_only_fields = fields

    def get_scheduled(self, draft: Draft) -> bool:
        return draft.status == Draft.Status.APPROVED and draft.publish_at is not None

    @extend_schema_field(NoveltySerializer(allow_null=True))
    def get_novelty(self, draft: Draft) -> dict[str, object] | None:
        return draft.novelty or None

    def get_offline_generated(self, draft: Draft) -> bool:
        return draft.provider == "offline"


def _stamp(value: datetime | None, zone: tzinfo) -> str | None:
    # As DRF's DateTimeField: in the active zone, UTC as "Z".
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _strings(value: Any) -> list[str | None] | None:
    # As DRF's ListField of CharField.
    return None if value is None else [None if v is None else str(v) for v in value]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def listed_draft(row: dict[str, Any], *, zone: tzinfo) -> dict[str, Any]:
    """A draft of the list (a plain row of content.selectors.draft_rows) in DraftSerializer's
    shape, written out: DRF's walk over 40 fields a draft (a source lookup and checks per field
    and draft) was most of a page's time (bench/ "Drafts list"). The detail and write answers
    keep DraftSerializer; tests/content/test_draft_list_shape.py holds the two equal."""
    status, publish_at = row["status"], row["publish_at"]
    violations, reasons = row["guardrail_violations"], row["risk_reasons"]
    return {
        "id": row["pk"],
        "kind": row["kind"],
        "status": status,
        "channel": row["channel_id"],
        "text": row["text"],
        "version": row["version"],
        "parent": row["parent_id"],
        "job": row["job_id"],
        "variant": row["variant"],
        "brief": row["brief_id"],
        "audience": row["audience_id"],
        "inbox_item": row["inbox_item_id"],
        "provider": row["provider"],
        "model": row["model"],
        "prompt_version": row["prompt_version"],
        "voice_version": row["voice_version"],
        "tokens_in": row["tokens_in"],
        "tokens_out": row["tokens_out"],
        "cost_estimate": row["cost"],
        "latency_ms": row["latency_ms"],
        "attempts": row["attempts"],
        "guardrail_violations": None
        if violations is None
        else [{"code": _text(v["code"]), "detail": _text(v["detail"])} for v in violations],
        "novelty": row["novelty"] or None,
        "risk_score": row["risk_score"],
        "risk_reasons": None
        if reasons is None
        else [
            {
                "code": _text(r["code"]),
                "detail": _text(r["detail"]),
                "points": None if r["points"] is None else int(r["points"]),
            }
            for r in reasons
        ],
        "flags": _strings(row["flags"]),
        "labels": _strings(row["labels"]),
        "needs_person": row["needs_person"],
        "needs_person_reason": row["needs_person_reason"],
        "offline_generated": row["provider"] == "offline",
        "created_by": row["created_by_id"],
        "created_by_key_id": row["created_by_key_id"],
        "created_at": _stamp(row["created_at"], zone),
        "updated_at": _stamp(row["updated_at"], zone),
        "external_id": row["external_id"],
        "external_url": row["external_url"],
        "published_at": _stamp(row["published_at"], zone),
        "publish_at": _stamp(publish_at, zone),
        "scheduled": status == Draft.Status.APPROVED and publish_at is not None,
        "approved_late": row["approved_late"],
    }


class DraftWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Draft.Kind.choices)
    text = serializers.CharField(max_length=70000)
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(), required=False, allow_null=True
    )
    brief = serializers.PrimaryKeyRelatedField(
        queryset=Brief.objects.all(), required=False, allow_null=True
    )
    inbox_item = serializers.PrimaryKeyRelatedField(
        queryset=InboxItem.objects.all(), required=False, allow_null=True
    )


class DraftEditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=70000)


class GenerateSerializer(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(),
        required=False,
        allow_null=True,
        help_text="Needed when the brief has several channels.",
    )
    variants = serializers.IntegerField(min_value=1, max_value=5, default=1)
    instructions = serializers.CharField(max_length=2000, required=False, default="")


class GenerateAllSerializer(serializers.Serializer):
    channels = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(),
        many=True,
        required=False,
        help_text="Channels to write for; default: every channel of the brief.",
    )
    variants = serializers.IntegerField(min_value=1, max_value=5, default=1)
    instructions = serializers.CharField(max_length=2000, required=False, default="")


class InboxAssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(help_text="The id of the member who answers it.")


class InboxMoveSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=InboxTransition.choices)


class ReplySerializer(serializers.Serializer):
    variants = serializers.IntegerField(min_value=1, max_value=5, default=1)
    instructions = serializers.CharField(max_length=2000, required=False, default="")


class RegenerateSerializer(serializers.Serializer):
    instructions = serializers.CharField(max_length=2000, required=False, default="")


class JobProgressSerializer(serializers.Serializer):
    """Where the job is, for a "working..." display: step ``done`` of ``total`` and in words."""

    done = serializers.IntegerField()
    total = serializers.IntegerField()
    detail = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    drafts = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "kind",
            "status",
            "brief",
            "inbox_item",
            "source_draft",
            "channel",
            "variants",
            "inputs",
            "attempts",
            "failure_code",
            "failure_reason",
            "provider",
            "model",
            "tokens_in",
            "tokens_out",
            "cost_estimate",
            "drafts",
            "progress",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_drafts(self, job: GenerationJob) -> list[int]:
        return sorted(d.pk for d in job.drafts.all())

    @extend_schema_field(JobProgressSerializer)
    def get_progress(self, job: GenerationJob) -> dict[str, object]:
        return job_progress(job)


class AssistantSettingsSerializer(serializers.ModelSerializer):
    api_key = serializers.CharField(
        max_length=300, write_only=True, required=False, allow_blank=True
    )
    has_api_key = serializers.SerializerMethodField()
    novelty_threshold = serializers.IntegerField(min_value=1, max_value=100, required=False)
    reply_deadline_minutes = serializers.IntegerField(
        min_value=1,
        max_value=7 * 24 * 60,
        required=False,
        help_text="How long the brand gives itself to answer an inbox item (sets each new "
        "item's reply deadline).",
    )
    timeout_seconds = serializers.FloatField(
        min_value=0.1, max_value=600, required=False, allow_null=True
    )
    monthly_budget = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = AssistantSettings
        fields = [
            "api_key",
            "has_api_key",
            "offline_only",
            "base_url",
            "model",
            "timeout_seconds",
            "monthly_budget",
            "novelty_threshold",
            "auto_draft_replies",
            "reply_deadline_minutes",
            "judge_enabled",
            "structured_output",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def get_has_api_key(self, row: AssistantSettings) -> bool:
        return bool(row.api_key)


class UsageSerializer(serializers.Serializer):
    month = serializers.CharField()
    jobs = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        help_text="Spent by finished jobs plus what queued and running jobs hold.",
    )
    held = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        help_text="Of cost: the most that queued and running jobs can still cost.",
    )
    budget = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    remaining = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    mode = serializers.ChoiceField(choices=["offline", "openai"])


class InboxIngestedSerializer(InboxItemSerializer):
    """An ingested inbox item and the reply job the brand's policy started for it (or null)."""

    reply_job = JobSerializer(read_only=True, allow_null=True)

    class Meta(InboxItemSerializer.Meta):
        fields = [*InboxItemSerializer.Meta.fields, "reply_job"]


class ScheduleSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(help_text="When the post should go out.")


class PublishedSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=200, help_text="The network's id of the post.")
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class JobsSerializer(serializers.Serializer):
    jobs = JobSerializer(many=True, help_text="One job per channel.")
