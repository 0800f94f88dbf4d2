"""What a brand writes with and for: channels, voice, audiences, briefs, inbox, drafts, jobs."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from content.errors import DraftTransitionRefused
from content.networks import Network
from tenants.people import person_reference


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


class DraftStatus(models.TextChoices):
    """Where a draft is; ``Draft.Status``. At module level so the transition table and the
    database guard (migration 0007) below can name its values."""

    DRAFT = "draft"  # being written, or handed back to its writer when its review expired
    READY = "ready"  # checked and scored; the approvals policy decides what happens next
    IN_REVIEW = "in_review"  # waiting for sign-off, or held back by a crisis
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer version replaced it in review or before it went out
    DROPPED = "dropped"  # another variant of the same job was approved in its place


class DraftTransition(models.TextChoices):
    """The named moves of a draft; other apps ask for one of these, never for a status."""

    MARK_READY = "mark_ready"
    SEND_TO_REVIEW = "send_to_review"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    RETURN_TO_WRITER = "return_to_writer"
    SUPERSEDE = "supersede"
    DROP = "drop"
    HOLD = "hold"
    RELEASE = "release"
    PUBLISH = "publish"


_S = DraftStatus
# transition -> (the statuses it may start from, the status it ends in). The one table: the
# model refuses any other change of status, and the database trigger of migration 0007 refuses
# any status change not listed here, whoever writes the row.
DRAFT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    DraftTransition.MARK_READY: (frozenset({_S.DRAFT}), _S.READY),
    DraftTransition.SEND_TO_REVIEW: (frozenset({_S.READY}), _S.IN_REVIEW),
    # Straight from ready when the policy needs no sign-off; from review when signed off.
    DraftTransition.APPROVE: (frozenset({_S.READY, _S.IN_REVIEW}), _S.APPROVED),
    DraftTransition.REJECT: (frozenset({_S.IN_REVIEW}), _S.REJECTED),
    DraftTransition.REQUEST_CHANGES: (frozenset({_S.IN_REVIEW}), _S.CHANGES_REQUESTED),
    # Nobody decided in time: the writer gets it back.
    DraftTransition.RETURN_TO_WRITER: (frozenset({_S.IN_REVIEW}), _S.DRAFT),
    # An edit replaces the version in review, or the approved one before it goes out.
    DraftTransition.SUPERSEDE: (frozenset({_S.IN_REVIEW, _S.APPROVED}), _S.SUPERSEDED),
    # Variants are alternatives reviewed as one item: approving one drops the others.
    DraftTransition.DROP: (frozenset({_S.IN_REVIEW}), _S.DROPPED),
    # A crisis holds approved, unpublished drafts in review and releases them at stand-down.
    DraftTransition.HOLD: (frozenset({_S.APPROVED}), _S.IN_REVIEW),
    DraftTransition.RELEASE: (frozenset({_S.IN_REVIEW}), _S.APPROVED),
    DraftTransition.PUBLISH: (frozenset({_S.APPROVED}), _S.PUBLISHED),
}
# Every (from, to) pair some transition allows.
DRAFT_STATUS_MOVES: frozenset[tuple[str, str]] = frozenset(
    (source, target) for sources, target in DRAFT_TRANSITIONS.values() for source in sources
)


class Draft(models.Model):
    """A post or a reply written for the brand (by the assistant or by hand), one version each.

    Asking for changes creates a new version (``parent`` points at the one it replaces); the
    approvals app reads drafts and moves them through review with the named transitions of
    ``DRAFT_TRANSITIONS`` (``content.services.transition_draft``). A draft may be stored in any
    status (imports, history), but once stored its status only changes along that table.
    """

    class Kind(models.TextChoices):
        POST = "post"
        REPLY = "reply"

    Status = DraftStatus
    Transition = DraftTransition
    # The status as last read from or written to the database (None for a new draft).
    _stored_status: str | None = None

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
    job = models.ForeignKey(
        "GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    variant = models.PositiveSmallIntegerField(default=1)
    brief = models.ForeignKey(
        "Brief", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    audience = models.ForeignKey(
        "AudienceProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    inbox_item = models.ForeignKey(
        "InboxItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    # Provenance: who or what wrote this text, with what, and at what cost.
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=20, blank=True)
    voice_version = models.PositiveIntegerField(null=True, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_estimate = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    # Check results: [{"code", "detail"}] guardrail violations; novelty {"score", "threshold",
    # "similar_draft_id", "similar_text", "too_similar"} of the most similar recent post
    # (content.assistant.novelty); attempts = 2 when regenerated after checks.
    guardrail_violations = models.JSONField(default=list, blank=True)
    novelty = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)
    # Risk flags: checks that fired ("guardrail_violations", "unsafe_output", "injection_attempt",
    # "repeats_recent_post", "high_risk", "judge_objection"); any of them puts the draft in the
    # policy's high band. Labels only inform ("offline_generated", "regenerated").
    flags = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=list, blank=True)
    # A person must sign this draft off whatever the autonomy level (a reply to a comment that
    # tried to instruct the assistant); ``needs_person_reason`` says why, for the approver.
    needs_person = models.BooleanField(default=False)
    needs_person_reason = models.CharField(max_length=300, blank=True)
    # Publishing happens in the integrators' tools; their callback records where it went out.
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # When the post should go out: an approved draft with a publish time is "scheduled" for
    # integrators (``?status=scheduled``). Defaults to the plan item's time or the audience's
    # next active hour (``content.scheduling``); ``due_announced_at`` is the due sweep's claim,
    # so "draft.due" is announced once per publish time.
    publish_at = models.DateTimeField(null=True, blank=True)
    due_announced_at = models.DateTimeField(null=True, blank=True)
    # Approved only after its publish time had passed (set by the approve transition).
    approved_late = models.BooleanField(default=False)
    created_by = person_reference()
    # Written through an integrator's API key (tenants.ApiKey, public schema): the key, with
    # the person who created it as ``created_by``, so nobody approves what their key wrote.
    created_by_key_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_score__isnull=True) | Q(risk_score__lte=100),
                name="draft_risk_score_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DraftStatus.values), name="draft_status_valid"
            ),
            # Version history is a line, not a tree: a draft is replaced at most once.
            models.UniqueConstraint(fields=["parent"], name="draft_one_revision"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="draft_status_created"),
            # The drafts list pages newest first by (created_at, id) (brandroom.pagination);
            # it also serves every lookup by created_at alone.
            models.Index(fields=["-created_at", "-id"], name="draft_created_id"),
            # The due sweep reads only scheduled drafts not yet announced.
            models.Index(
                fields=["publish_at"],
                condition=Q(status="approved", due_announced_at__isnull=True),
                name="draft_due_unannounced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} draft #{self.pk} v{self.version} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse a change of status that no transition allows (the database refuses it too)."""
        stored = self._stored_status
        if stored not in (None, self.status) and (stored, self.status) not in DRAFT_STATUS_MOVES:
            raise DraftTransitionRefused(
                f"Draft {self.pk} is {stored} and cannot become {self.status}.", field="status"
            )
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Draft:
        draft = super().from_db(db, field_names, values)
        draft._stored_status = draft.__dict__.get("status")
        return draft


class AssistantSettings(models.Model):
    """The brand's own AI set-up: endpoint overrides, monthly budget and novelty threshold.

    One row per brand schema (``singleton`` is always true and unique). Blank endpoint fields
    fall back to the platform settings (``AI_*``); with no endpoint anywhere, drafts come from
    the offline generator.
    """

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    # A brand that must not send its content to any AI provider writes with the offline
    # generator even when the platform has an endpoint.
    offline_only = models.BooleanField(default=False)
    api_key = models.CharField(max_length=300, blank=True)
    base_url = models.URLField(max_length=300, blank=True)
    model = models.CharField(max_length=100, blank=True)
    timeout_seconds = models.FloatField(null=True, blank=True)
    # None: the platform default (AI_MONTHLY_BUDGET) applies.
    monthly_budget = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    novelty_threshold = models.PositiveSmallIntegerField(default=85)
    # A second, independent model call that sees only the draft, the rules and the comment as
    # quoted data, and may raise the risk (its tokens count against the budget).
    judge_enabled = models.BooleanField(default=False)

    class StructuredOutput(models.TextChoices):
        AUTO = "auto"  # json_schema first; a server that refuses its shape gets json_object
        JSON_SCHEMA = "json_schema"  # OpenAI's response_format
        JSON_OBJECT = "json_object"  # llama.cpp and others: json_object with a "schema"
        TEXT = "text"  # no response_format: the JSON is parsed out of the text and checked

    structured_output = models.CharField(
        max_length=12, choices=StructuredOutput.choices, default=StructuredOutput.AUTO
    )
    # The brand's policy for pushed-in comments, mentions and messages: when on, every new inbox
    # item starts a reply job at once (its drafts then go through approvals like any other).
    auto_draft_replies = models.BooleanField(default=True)
    # How long the brand gives itself to answer an inbox item: each item's reply deadline is
    # set from it when the item arrives (the inbox work queue and the cockpit read it).
    reply_deadline_minutes = models.PositiveIntegerField(default=60)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "assistant settings"
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="assistant_settings_single"),
            models.CheckConstraint(
                condition=Q(novelty_threshold__gte=1, novelty_threshold__lte=100),
                name="assistant_novelty_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(monthly_budget__isnull=True) | Q(monthly_budget__gte=0),
                name="assistant_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(reply_deadline_minutes__gte=1),
                name="assistant_reply_deadline_positive",
            ),
        ]

    def __str__(self) -> str:
        return "Assistant settings"


class BrandVoice(models.Model):
    """One version of how the brand writes. Versions are never edited: a change is a new row,
    so every draft can say which voice it was written with."""

    class EmojiPolicy(models.TextChoices):
        NONE = "none"
        SPARING = "sparing"
        FREE = "free"

    version = models.PositiveIntegerField(unique=True)
    tone = models.JSONField(default=list, blank=True)
    personality = models.TextField(blank=True)
    dos = models.JSONField(default=list, blank=True)
    donts = models.JSONField(default=list, blank=True)
    banned_phrases = models.JSONField(default=list, blank=True)
    # [{"text": "#ad", "when": "paid" | "always"}]
    required_disclosures = models.JSONField(default=list, blank=True)
    emoji_policy = models.CharField(
        max_length=8, choices=EmojiPolicy.choices, default=EmojiPolicy.SPARING
    )
    max_hashtags = models.PositiveSmallIntegerField(null=True, blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    reading_level = models.CharField(max_length=50, blank=True)
    locale = models.CharField(max_length=16, default="en")
    good_examples = models.JSONField(default=list, blank=True)
    bad_examples = models.JSONField(default=list, blank=True)
    allowed_domains = models.JSONField(default=list, blank=True)
    allowed_handles = models.JSONField(default=list, blank=True)
    sensitive_topics = models.JSONField(default=list, blank=True)
    competitors = models.JSONField(default=list, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="voice_version_positive"),
            models.CheckConstraint(
                condition=Q(emoji_policy__in=["none", "sparing", "free"]),
                name="voice_emoji_policy_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Brand voice v{self.version}"


class AudienceProfile(models.Model):
    """A segment the brand writes for."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    motivations = models.JSONField(default=list, blank=True)
    pains = models.JSONField(default=list, blank=True)
    preferred_channels = models.JSONField(default=list, blank=True)
    active_hours = models.JSONField(default=list, blank=True)
    signals = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Brief(models.Model):
    """What a post should achieve: the assistant writes drafts from it."""

    title = models.CharField(max_length=200)
    goal = models.TextField(blank=True)
    key_message = models.TextField()
    audience = models.ForeignKey(
        AudienceProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="briefs"
    )
    channels = models.ManyToManyField(Channel, blank=True, related_name="briefs")
    call_to_action = models.CharField(max_length=300, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    # The plan pillar the brief was started for (planning sets it when it starts a plan item;
    # content never reads it). An id, not a foreign key: the plan is a layer above content.
    pillar_id = models.BigIntegerField(null=True, blank=True)
    is_paid = models.BooleanField(default=False)
    deadline = models.DateTimeField(null=True, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class InboxStatus(models.TextChoices):
    """Where an inbox item is in the work queue; ``InboxItem.Status``."""

    NEW = "new"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    IGNORED = "ignored"
    ESCALATED = "escalated"


class InboxTransition(models.TextChoices):
    """The named moves of an inbox item (assigning is its own service: it names a person)."""

    MARK_REPLIED = "mark_replied"
    IGNORE = "ignore"
    ESCALATE = "escalate"
    REOPEN = "reopen"


_I = InboxStatus
# Still waiting for an answer (the queue's "unanswered").
INBOX_OPEN = frozenset({_I.NEW, _I.ASSIGNED, _I.ESCALATED})
# transition -> (the statuses it may start from, the status it ends in).
INBOX_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    InboxTransition.MARK_REPLIED: (INBOX_OPEN, _I.REPLIED),
    InboxTransition.IGNORE: (INBOX_OPEN, _I.IGNORED),
    InboxTransition.ESCALATE: (frozenset({_I.NEW, _I.ASSIGNED}), _I.ESCALATED),
    InboxTransition.REOPEN: (frozenset({_I.REPLIED, _I.IGNORED}), _I.NEW),
}


class InboxPriority(models.TextChoices):
    """The band of an item's priority score (content.triage)."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Sentiment(models.TextChoices):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class InboxItem(models.Model):
    """An incoming comment, mention or message, pushed in through the API. Its text is data
    written by the public: it is never treated as instructions.

    It is also a unit of work: a status, an assignee, a priority computed when it arrives
    (from its risk, sentiment and the author's reach) and a reply deadline from the brand's
    policy (``AssistantSettings.reply_deadline_minutes``)."""

    class Kind(models.TextChoices):
        COMMENT = "comment"
        MENTION = "mention"
        MESSAGE = "message"

    Status = InboxStatus
    Priority = InboxPriority

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.COMMENT)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox_items"
    )
    external_id = models.CharField(max_length=200, null=True, blank=True)
    author_handle = models.CharField(max_length=100)
    text = models.TextField()
    permalink = models.URLField(max_length=500, blank=True)
    received_at = models.DateTimeField()
    in_reply_to_text = models.TextField(blank=True)
    in_reply_to_permalink = models.URLField(max_length=500, blank=True)
    # [{"author": "...", "text": "..."}], oldest first
    thread = models.JSONField(default=list, blank=True)
    # [{"code", "detail"}]: attempts in the text or thread to instruct the assistant
    # (content.assistant.injection), found when the item arrived. Replies to such an item always
    # need a person's sign-off.
    injection_signals = models.JSONField(default=list, blank=True)
    # The author's followers when the item arrived (their reach), if the network told us.
    author_followers = models.PositiveIntegerField(null=True, blank=True)
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    priority = models.CharField(
        max_length=8, choices=InboxPriority.choices, default=InboxPriority.NORMAL
    )
    priority_score = models.PositiveSmallIntegerField(default=0)
    # [{"code", "detail", "points"}]: why the item got its priority.
    priority_reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=InboxStatus.choices, default=InboxStatus.NEW)
    assignee = person_reference()
    # None for items that arrived before the work queue (they are never overdue).
    reply_due_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # When its assignee was reminded that the reply deadline is near (once per assignment).
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="unique_inbox_external_id",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InboxStatus.values), name="inbox_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=InboxPriority.values), name="inbox_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(sentiment__in=Sentiment.values), name="inbox_sentiment_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=InboxStatus.ASSIGNED) | Q(assignee__isnull=False),
                name="inbox_assigned_has_assignee",
            ),
        ]
        indexes = [
            models.Index(
                fields=["reply_due_at"],
                condition=Q(status__in=["new", "assigned", "escalated"]),
                name="inbox_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from @{self.author_handle}"


class GenerationJob(models.Model):
    """One request to the assistant, run on the worker. It keeps its inputs so that nothing a
    person asked for is lost when it fails, and says why it failed in words a person can act on."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    kind = models.CharField(max_length=8, choices=Draft.Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    brief = models.ForeignKey(
        Brief, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    inbox_item = models.ForeignKey(
        InboxItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    source_draft = models.ForeignKey(
        Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="regeneration_jobs"
    )
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    variants = models.PositiveSmallIntegerField(default=1)
    # Everything the request said, as sent (so a failed job can be retried from its inputs).
    inputs = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_reason = models.TextField(blank=True)
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_estimate = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    # The most this job can cost (every call at its token caps, every attempt), held against
    # the budget while it is queued or running; once finished only ``cost_estimate`` counts.
    cost_reserved = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When a message for it was last sent: a queued job whose message is long gone (dropped in a
    # database outage, lost with a broker) is sent again by the stuck-jobs sweep.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The message running it: a redelivery of the same message (its worker died or hit a
    # database error) takes the job over at once instead of waiting for it to go stale.
    claimed_by = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where a running job is (see JOB_STEPS in content/api/serializers.py): empty while it reads
    # the brand's voice and context, "writing" from the model call on (checks and rewrites too).
    step = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(variants__gte=1, variants__lte=5), name="job_variants_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="job_failure_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="job_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} job #{self.pk} ({self.status})"
