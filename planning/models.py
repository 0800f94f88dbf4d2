"""The brand's rolling plan: content pillars with target shares, cadence per channel,
campaigns and calendar events, plan items, and the months the monthly roll keeps open."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from tenants.people import person_reference


class Plan(models.Model):
    """The brand's plan as one row (pk is always 1): the row changes to pillar targets and the
    roll lock, so two people adding pillars at once cannot together pass 100 %."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    rolled_at = models.DateTimeField(null=True, blank=True)
    # How many items one owner can carry in a week; the gaps view names owners above it.
    owner_weekly_capacity = models.PositiveSmallIntegerField(default=5)
    # Production lead times, in days before an item's publish day: when its brief, draft and
    # sign-off are due (planning.production), brief first.
    brief_lead_days = models.PositiveSmallIntegerField(default=10)
    draft_lead_days = models.PositiveSmallIntegerField(default=7)
    signoff_lead_days = models.PositiveSmallIntegerField(default=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="plan_singleton"),
            models.CheckConstraint(
                condition=Q(owner_weekly_capacity__gte=1, owner_weekly_capacity__lte=100),
                name="plan_owner_capacity_range",
            ),
            models.CheckConstraint(
                condition=Q(brief_lead_days__lte=90)
                & Q(brief_lead_days__gte=F("draft_lead_days"))
                & Q(draft_lead_days__gte=F("signoff_lead_days")),
                name="plan_production_lead_days_order",
            ),
        ]

    def __str__(self) -> str:
        return "plan"


class Pillar(models.Model):
    """A theme the brand's content returns to, with the share of posts it should have."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What the pillar is for.")
    target_share = models.DecimalField(max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_pillar_name"),
            models.CheckConstraint(
                condition=Q(target_share__gte=0, target_share__lte=100),
                name="pillar_target_share_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChannelPurpose(models.TextChoices):
    MARKETING = "marketing"
    CUSTOMER_SERVICE = "customer_service"
    LOYALTY = "loyalty"


class Cadence(models.Model):
    """How often a channel should post, and what the channel is for."""

    channel = models.OneToOneField("content.Channel", on_delete=models.CASCADE, related_name="+")
    posts_per_week = models.PositiveSmallIntegerField()
    purpose = models.CharField(
        max_length=20, choices=ChannelPurpose.choices, default=ChannelPurpose.MARKETING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(posts_per_week__gte=0, posts_per_week__lte=100),
                name="cadence_posts_per_week_range",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=["marketing", "customer_service", "loyalty"]),
                name="cadence_purpose_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"channel #{self.channel_id}: {self.posts_per_week}/week"


class Campaign(models.Model):
    """A campaign or a calendar event (launch, holiday, peak period) over a range of days."""

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign"
        LAUNCH = "launch"
        HOLIDAY = "holiday"
        PEAK = "peak"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CAMPAIGN)
    starts_on = models.DateField()
    ends_on = models.DateField()
    goal = models.TextField(blank=True)
    pillar = models.ForeignKey(
        Pillar, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_campaign_name"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["campaign", "launch", "holiday", "peak"]),
                name="campaign_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ItemStatus(models.TextChoices):
    PLANNED = "planned"
    BRIEFED = "briefed"
    DRAFTED = "drafted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    REVIEWED = "reviewed"
    DROPPED = "dropped"


# Items on their way: an item with a brief follows its drafts through these by itself
# (planning.services.items.follow_brief); people may also move them by hand.
ITEM_IN_PROGRESS = (
    ItemStatus.BRIEFED,
    ItemStatus.DRAFTED,
    ItemStatus.IN_REVIEW,
    ItemStatus.APPROVED,
    ItemStatus.SCHEDULED,
)
# Items that went out (a closed review marks its published items reviewed; both count).
ITEM_DELIVERED = (ItemStatus.PUBLISHED, ItemStatus.REVIEWED)

# The one transition table of plan items: status -> statuses it may move to. An item on its
# way may move to any other step, be published or dropped; published only becomes reviewed;
# reviewed is final; a dropped item can be planned again.
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStatus.PLANNED: frozenset({*ITEM_IN_PROGRESS, ItemStatus.DROPPED}),
    **{
        step: frozenset({*ITEM_IN_PROGRESS, ItemStatus.PUBLISHED, ItemStatus.DROPPED} - {step})
        for step in ITEM_IN_PROGRESS
    },
    ItemStatus.PUBLISHED: frozenset({ItemStatus.REVIEWED}),
    ItemStatus.REVIEWED: frozenset(),
    ItemStatus.DROPPED: frozenset({ItemStatus.PLANNED}),
}


class PlanItem(models.Model):
    """One post the plan says will go out: on a day (at a brand-local time or not), or some
    time in a week (``whole_week``, dated on its Monday)."""

    planned_on = models.DateField()
    whole_week = models.BooleanField(default=False)
    publish_time = models.TimeField(null=True, blank=True)
    channel = models.ForeignKey("content.Channel", on_delete=models.PROTECT, related_name="+")
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="items")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    owner = person_reference()
    # Who the post is for; its brief gets the same audience when the item is started.
    audience = models.ForeignKey(
        "content.AudienceProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default="planned")
    # The brief the item was started into; its drafts' publication moves the item along.
    brief = models.ForeignKey(
        "content.Brief", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The due sweep's claim: "plan_item.due" is announced once when the item's time comes.
    due_announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="plan_item_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(whole_week=False)
                | (Q(planned_on__iso_week_day=1) & Q(publish_time__isnull=True)),
                name="plan_item_week_on_monday_without_time",
            ),
        ]
        indexes = [
            models.Index(fields=["planned_on", "id"], name="plan_item_day"),
            models.Index(fields=["channel", "planned_on"], name="plan_item_channel_day"),
        ]

    def __str__(self) -> str:
        return f"{self.planned_on}: {self.title}"


class DistributionKind(models.TextChoices):
    ORGANIC_POST = "organic_post", "Organic post"
    BOOST = "boost", "Planned boost"
    NEWSLETTER = "newsletter", "Newsletter"
    CROSS_POST = "cross_post", "Cross-post to another channel"
    SERVICE_BRIEFING = "service_briefing", "Brief the customer service team"


class DistributionAction(models.Model):
    """How an item reaches people beyond being made: an organic post, a planned boost with its
    amount, a newsletter, a cross-post to another channel, briefing the customer service
    team. An item's actions are kept in the order given."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="distribution")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=DistributionKind.choices)
    # A planned boost's amount, in the brand's currency when it was planned.
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # A cross-post's other channel.
    channel = models.ForeignKey(
        "content.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="distribution_position"),
            models.CheckConstraint(
                condition=Q(kind__in=DistributionKind.values), name="distribution_kind_valid"
            ),
            # A boost has its amount and currency; nothing else has an amount.
            models.CheckConstraint(
                condition=(
                    Q(kind=DistributionKind.BOOST, amount__gt=0, currency__regex=r"^[A-Z]{3}$")
                    | (~Q(kind=DistributionKind.BOOST) & Q(amount__isnull=True, currency=""))
                ),
                name="distribution_boost_amount",
            ),
            # A cross-post names its channel; nothing else has one.
            models.CheckConstraint(
                condition=Q(kind=DistributionKind.CROSS_POST, channel__isnull=False)
                | (~Q(kind=DistributionKind.CROSS_POST) & Q(channel__isnull=True)),
                name="distribution_cross_post_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for item {self.item_id}"


class PlanMonth(models.Model):
    """A month the plan covers (the roll adds them twelve months ahead). A past month is
    closed by the roll with what became of its items; its items no longer change."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    closed_at = models.DateTimeField(null=True, blank=True)
    # What became of the month's items, counted when it closed.
    planned = models.PositiveIntegerField(default=0)
    published = models.PositiveIntegerField(default=0)
    dropped = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    cadence_target = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="plan_month_first_day")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Review(models.Model):
    """A plan–do–check–act review of one week, month or quarter: what worked, what did not
    (findings) and what changes (actions). A closed review is frozen."""

    class Period(models.TextChoices):
        WEEK = "week"
        MONTH = "month"
        QUARTER = "quarter"

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()

    class PackState(models.TextChoices):
        QUEUED = "queued"
        BUILDING = "building"
        READY = "ready"
        FAILED = "failed"

    status = models.CharField(max_length=8, choices=Status.choices, default="open")
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The review pack the worker assembles (planning.services.packs): KPIs, best and worst
    # posts, plan delivery, sign-off and reply times, paid results, the last review's actions.
    pack_state = models.CharField(max_length=8, choices=PackState.choices, default="queued")
    pack = models.JSONField(default=dict, blank=True)
    pack_built_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every request for a pack; a build only stores its pack if it is still the
    # latest request (two rebuilds at once never leave the older pack behind).
    pack_generation = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "period_start"], name="unique_review"),
            models.CheckConstraint(
                condition=Q(pack_state__in=["queued", "building", "ready", "failed"]),
                name="review_pack_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(period__in=["week", "month", "quarter"]), name="review_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="review_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} review from {self.period_start}"


class Finding(models.Model):
    """Something the review saw work, or not, with links to the evidence."""

    class Kind(models.TextChoices):
        WORKED = "worked"
        DID_NOT_WORK = "did_not_work"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    evidence = models.JSONField(default=list, blank=True)
    # A learning goes into the assistant's context for the brand's next drafts (bounded:
    # planning.services.learnings); removing it only unmarks it, the finding stays.
    learning = models.BooleanField(default=False)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["worked", "did_not_work"]), name="finding_kind_valid"
            )
        ]
        indexes = [
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(learning=True),
                name="finding_learnings",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewAction(models.Model):
    """A change the review decided, with an owner and a due day. Applying a plan change makes
    it through the plan's own services, with an audit entry."""

    class Kind(models.TextChoices):
        PILLAR_TARGET = "pillar_target"
        ITEM_STATUS = "item_status"
        ITEM_DATE = "item_date"
        # Changes the plan does not hold yet (voice, audiences, autonomy, an experiment):
        # applying records that it was done.
        OTHER = "other"

    class Status(models.TextChoices):
        OPEN = "open"
        APPLIED = "applied"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner = person_reference()
    due_on = models.DateField()
    pillar = models.ForeignKey(
        Pillar, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_share = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    plan_item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    item_status = models.CharField(max_length=10, choices=ItemStatus.choices, blank=True)
    planned_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default="open")
    applied_by = person_reference()
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The overdue sweep (planning.services.overdue): the owner is reminded once after the due
    # day, the account leads are told once if it is still open a while later.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["pillar_target", "item_status", "item_date", "other"]),
                name="review_action_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "applied"]), name="review_action_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="pillar_target")
                | (Q(pillar__isnull=False) & Q(target_share__isnull=False)),
                name="review_action_pillar_target_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="item_status")
                | (Q(plan_item__isnull=False) & ~Q(item_status="")),
                name="review_action_item_status_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="item_date")
                | (Q(plan_item__isnull=False) & Q(planned_on__isnull=False)),
                name="review_action_item_date_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlanProposal(models.Model):
    """A plan item the assistant proposes for a range of days. It is not on the plan: a
    person accepts it (it then becomes a plan item through the plan's own service) or rejects
    it. Its title and rationale came from a generator and are screened like drafts
    (``flags``)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    # The range asked for (both days included): what the proposal was made to fill.
    range_start = models.DateField()
    range_end = models.DateField()
    title = models.CharField(max_length=200)
    planned_on = models.DateField()
    publish_time = models.TimeField(null=True, blank=True)
    channel = models.ForeignKey("content.Channel", on_delete=models.CASCADE, related_name="+")
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="proposals")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    rationale = models.TextField(blank=True)
    # Guardrail and injection findings on the generated text ({code, detail} each): a flagged
    # proposal is only accepted with a title a person wrote that passes them.
    flags = models.JSONField(default=list, blank=True)
    # How the wording came about when it is not simply the model's: "offline_generated",
    # "provider_unavailable", "replaced_unsafe_output", "offline_wording" (docs/planning.md).
    labels = models.JSONField(default=list, blank=True)
    # An audience whose preferred channels include the slot's network; carried to the item.
    audience = models.ForeignKey(
        "content.AudienceProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default="proposed")
    plan_item = models.OneToOneField(
        PlanItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal"
    )
    decision_reason = models.TextField(blank=True)
    decided_by = person_reference()
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_on", "publish_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "accepted", "rejected"]),
                name="plan_proposal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_at__isnull=True)
                | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="plan_proposal_decided_when_not_proposed",
            ),
            models.CheckConstraint(
                condition=Q(range_end__gte=F("range_start")),
                name="plan_proposal_range_order",
            ),
        ]
        indexes = [models.Index(fields=["status", "planned_on"], name="plan_proposal_status")]

    def __str__(self) -> str:
        return f"{self.planned_on}: {self.title}"


class ProposalRequest(models.Model):
    """One request for proposals that asked a model to word them: what it reserved from and
    spent of the brand's monthly AI budget (a spend source of ``content.assistant.usage``).
    Running only while the request waits for the model; offline requests make none."""

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        # The request's process died while it waited: its reservation counts as spent.
        ABANDONED = "abandoned"

    status = models.CharField(max_length=10, choices=Status.choices, default="running")
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=100, blank=True)
    slots = models.PositiveIntegerField(default=0)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_reserved = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    cost_estimate = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    failure_code = models.CharField(max_length=60, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "done", "abandoned"]),
                name="proposal_request_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal request {self.pk} ({self.status})"
