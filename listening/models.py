"""What a brand hears and how it reacts: signals integrators send (a time series per brand),
trigger rules over them, and every time a trigger fired."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from tenants.people import person_reference

# The source name Brandroom keeps for signals it produces from its own output (results of its
# published posts, its inbox): integrators may not send it, triggers may not listen to it.
OWN_SOURCE = "brandroom"


class SignalKind(models.TextChoices):
    MENTION = "mention"
    SENTIMENT = "sentiment"
    ENGAGEMENT = "engagement"
    FOLLOWER_CHANGE = "follower_change"
    SITE_VISIT = "site_visit"
    APP_EVENT = "app_event"
    PURCHASE = "purchase"
    CUSTOM = "custom"


class Signal(models.Model):
    """One thing a customer did or said, observed at a time on a source (a channel or a
    system). Stored once per (source, external_id); ``text`` is the public's words, kept as data
    and never given to the assistant (``injection_signals`` records attempts found in it)."""

    kind = models.CharField(max_length=20, choices=SignalKind.choices)
    source = models.CharField(max_length=100)
    external_id = models.CharField(max_length=200)
    # No index of its own: ``signal_audience_partial`` below serves every lookup by audience
    # (and the SET NULL when a profile is deleted); one index fewer to write per signal.
    audience = models.ForeignKey(
        "content.AudienceProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    topic = models.CharField(max_length=100, blank=True)
    value = models.FloatField(default=1)
    # -1 (negative) to 1 (positive), when the source scored it.
    sentiment = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    # The brand's published post the signal is about (its id on the network), if any.
    post_external_id = models.CharField(max_length=200, blank=True)
    # True when the signal answers Brandroom's own output (a post it published): triggers
    # never count these, so a trigger's brief can never feed its own condition.
    from_own_output = models.BooleanField(default=False)
    injection_signals = models.JSONField(default=list, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="unique_signal"),
            models.CheckConstraint(
                condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(sentiment__isnull=True) | Q(sentiment__gte=-1, sentiment__lte=1),
                name="signal_sentiment_in_range",
            ),
        ]
        indexes = [
            # Signals arrive roughly in time order: a BRIN index stays tiny over a year of rows
            # and narrows a window scan to the blocks that hold it. Page ranges are summarised
            # as they fill (autosummarize), not at the next VACUUM: an unsummarised range
            # matches every query, and a year of them made a 28-day aggregate read the whole
            # table (480 ms instead of 65 ms over a million signals, measured).
            BrinIndex(fields=["observed_at"], name="signal_observed_brin", autosummarize=True),
            models.Index(fields=["topic", "observed_at"], name="signal_topic_observed"),
            # Only signals about an audience: most have none, and an index entry for each of
            # those cost every batch a write that no query reads (a lookup by audience names
            # one, which implies not null).
            models.Index(
                fields=["audience", "observed_at"],
                name="signal_audience_partial",
                condition=Q(audience__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}:{self.external_id}"


class SignalHour(models.Model):
    """The brand's signals rolled up per UTC hour and per (kind, source, topic, audience): how
    many, the sum of their values, how many had a sentiment and its sum, how many were negative
    and positive. Kept by a PostgreSQL statement trigger on ``Signal`` (migration 0008) in the
    transaction that stores, changes or removes signals, set-wise from the rows actually
    written, so a windowed aggregate reads hours instead of every signal in them.
    ``audience_id`` is a plain id: the trigger follows the signal's audience (set to null when
    the profile is deleted), so the rollup needs no reference of its own."""

    hour = models.DateTimeField()
    kind = models.CharField(max_length=20)
    source = models.CharField(max_length=100)
    topic = models.CharField(max_length=100, blank=True)
    audience_id = models.BigIntegerField(null=True, blank=True)
    signals = models.IntegerField(default=0)
    value_sum = models.FloatField(default=0)
    sentiment_count = models.IntegerField(default=0)
    sentiment_sum = models.FloatField(default=0)
    negative = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # One row per hour and group; a signal without audience has one group too.
            models.UniqueConstraint(
                fields=["hour", "kind", "source", "topic", "audience_id"],
                name="unique_signal_hour",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} at {self.hour:%Y-%m-%d %H:00}"


class TriggerCondition(models.TextChoices):
    # At least ``threshold`` matching signals within the window.
    THRESHOLD = "threshold"
    # The window's count is ``min_z_score`` standard deviations above the same-length windows
    # of the 28 days before (and at least ``threshold``).
    BASELINE = "baseline"
    # No post published on ``channel`` for ``absence_days`` days (time-based).
    ABSENCE = "absence"
    # A plan calendar event or campaign (``calendar_event_id``, or any) starts within
    # ``lead_days`` days or is running (time-based; once per event).
    CALENDAR_EVENT = "calendar_event"
    # A KPI (``kpi_id``) is off target by more than ``kpi_off_by_percent`` percent in its
    # current period (time-based; once per KPI period).
    KPI_OFF_TRACK = "kpi_off_track"


class TriggerAction(models.TextChoices):
    # Write a brief from the template (and optionally ask for drafts).
    BRIEF = "brief"
    # Email the person on duty (the approvals rota; the leads when nobody is) and put the alert
    # in their cockpit until one of them acknowledges it.
    ALERT = "alert"
    # Raise a crisis warning at ``severity`` with the firing's evidence for the person on duty.
    CRISIS = "crisis"
    # Propose a boost of the channel's latest published post (``boost_budget`` over
    # ``boost_days``) within the month's budget; it goes through the normal spend approval.
    BOOST = "boost"
    # Put an item on the rolling plan (``channel``, ``plan_pillar_id``) for a strategist to
    # start; it goes through the normal start, brief, drafts and approval flow.
    PLAN_ITEM = "plan_item"


# Conditions the clock can make true without any new input: judged at ``next_check_at``.
TIME_BASED = (
    TriggerCondition.ABSENCE,
    TriggerCondition.CALENDAR_EVENT,
    TriggerCondition.KPI_OFF_TRACK,
)


class Trigger(models.Model):
    """A rule: when its ``condition`` holds (a threshold or a change against the baseline of
    matching signals in ``window_minutes``, an absence of posts on a channel, a plan event
    coming within ``lead_days``, or a KPI heading too far past its target), take its
    ``action`` (a brief for ``audience`` aimed at its next active hour, optionally with
    drafts; an alert to the person on duty; a crisis warning), at most once per
    ``cooldown_minutes``. It never publishes or approves: what it creates goes through the same
    generation and approval rules as everything else."""

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=False)
    condition = models.CharField(
        max_length=20, choices=TriggerCondition.choices, default=TriggerCondition.THRESHOLD
    )
    min_z_score = models.FloatField(null=True, blank=True)
    absence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # calendar_event: the planning event or campaign to watch (planning's id; None: any), and
    # how many days before it starts the trigger fires.
    calendar_event_id = models.PositiveBigIntegerField(null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # kpi_off_track: the results KPI to watch (results' id) and how far past its target, as a
    # percentage of the target, the current period must be heading.
    kpi_id = models.PositiveBigIntegerField(null=True, blank=True)
    kpi_off_by_percent = models.FloatField(null=True, blank=True)
    action = models.CharField(
        max_length=12, choices=TriggerAction.choices, default=TriggerAction.BRIEF
    )
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    boost_budget = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    boost_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # The planning pillar a ``plan_item`` action files its item under (planning's id:
    # listening reads no planning table; planning checks it through ``extensions``).
    plan_pillar_id = models.PositiveBigIntegerField(null=True, blank=True)
    # When a time-based trigger is next judged (None: it is judged when signals arrive).
    next_check_at = models.DateTimeField(null=True, blank=True)
    # Condition: blank means any.
    kind = models.CharField(max_length=20, choices=SignalKind.choices, blank=True)
    source = models.CharField(max_length=100, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    keyword = models.CharField(max_length=100, blank=True)
    negative_only = models.BooleanField(default=False)
    threshold = models.PositiveIntegerField(default=1)
    window_minutes = models.PositiveIntegerField(default=60)
    cooldown_minutes = models.PositiveIntegerField()
    # Action: a brief from this template.
    audience = models.ForeignKey(
        "content.AudienceProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.ForeignKey(
        "content.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    brief_title = models.CharField(max_length=200, blank=True)
    key_message = models.TextField(blank=True)
    goal = models.TextField(blank=True)
    call_to_action = models.CharField(max_length=300, blank=True)
    request_drafts = models.BooleanField(default=False)
    wait_for_active_hours = models.BooleanField(default=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_trigger_name"),
            models.CheckConstraint(
                condition=Q(threshold__gte=1)
                & Q(window_minutes__gte=1, window_minutes__lte=7 * 24 * 60)
                & Q(cooldown_minutes__gte=5, cooldown_minutes__lte=30 * 24 * 60),
                name="trigger_limits_valid",
            ),
            models.CheckConstraint(
                condition=~Q(source=OWN_SOURCE), name="trigger_not_on_own_output"
            ),
            models.CheckConstraint(
                condition=Q(condition__in=TriggerCondition.values)
                & Q(action__in=TriggerAction.values),
                name="trigger_condition_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(condition=TriggerCondition.BASELINE)
                | Q(min_z_score__gte=1, min_z_score__lte=20),
                name="trigger_baseline_has_z_score",
            ),
            models.CheckConstraint(
                condition=~Q(condition=TriggerCondition.ABSENCE)
                | Q(absence_days__gte=1, absence_days__lte=90),
                name="trigger_absence_has_days",
            ),
            models.CheckConstraint(
                condition=~Q(condition=TriggerCondition.CALENDAR_EVENT)
                | Q(lead_days__gte=0, lead_days__lte=90),
                name="trigger_calendar_has_lead_days",
            ),
            models.CheckConstraint(
                condition=~Q(condition=TriggerCondition.KPI_OFF_TRACK)
                | Q(
                    kpi_id__isnull=False,
                    kpi_off_by_percent__gte=0,
                    kpi_off_by_percent__lte=1000,
                ),
                name="trigger_kpi_has_kpi",
            ),
            models.CheckConstraint(
                condition=~Q(action=TriggerAction.CRISIS) | Q(severity__gte=1, severity__lte=5),
                name="trigger_crisis_has_severity",
            ),
            models.CheckConstraint(
                condition=~Q(action=TriggerAction.BOOST)
                | Q(boost_budget__gt=0, boost_days__gte=1, boost_days__lte=30),
                name="trigger_boost_has_budget",
            ),
            models.CheckConstraint(
                condition=~Q(action=TriggerAction.PLAN_ITEM) | Q(plan_pillar_id__isnull=False),
                name="trigger_plan_item_has_pillar",
            ),
            models.CheckConstraint(
                condition=~Q(action=TriggerAction.BRIEF)
                | (~Q(brief_title="") & ~Q(key_message="")),
                name="trigger_brief_has_template",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(enabled=True, next_check_at__isnull=False),
                name="trigger_next_check",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TriggerFiring(models.Model):
    """One time a trigger fired: what it saw (``inputs``), what it decided and what it did."""

    class Outcome(models.TextChoices):
        BRIEF_CREATED = "brief_created"
        DRAFTS_REQUESTED = "drafts_requested"
        DRAFTS_REFUSED = "drafts_refused"
        ALERT_SENT = "alert_sent"
        CRISIS_SUGGESTED = "crisis_suggested"
        # The crisis warning was not raised: one as severe is open, or the brand is in crisis.
        CRISIS_ALREADY_KNOWN = "crisis_known"
        BOOST_PROPOSED = "boost_proposed"
        # Media said no (over the month's budget, no post to boost, ...): ``detail`` says why.
        BOOST_REFUSED = "boost_refused"
        PLAN_ITEM_ADDED = "plan_item_added"
        # Planning said no (the day is outside the plan, the pillar is gone, ...): ``detail``
        # says why.
        PLAN_ITEM_REFUSED = "plan_item_refused"

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="firings")
    fired_at = models.DateTimeField()
    matched = models.PositiveIntegerField()
    inputs = models.JSONField(default=dict)
    # The audience's active hour the brief aims at (its deadline); None when it has none.
    target_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # The crisis warning a ``crisis`` action raised.
    warning = models.ForeignKey(
        "CrisisWarning", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.TextField(blank=True)
    # The boost a ``boost`` action proposed (media's id: media reads no listening table).
    boost_id = models.BigIntegerField(null=True, blank=True)
    # The plan item a ``plan_item`` action added (planning's id).
    plan_item_id = models.BigIntegerField(null=True, blank=True)
    brief = models.ForeignKey(
        "content.Brief", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "content.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    outcome__in=[
                        "brief_created",
                        "drafts_requested",
                        "drafts_refused",
                        "alert_sent",
                        "crisis_suggested",
                        "crisis_known",
                        "boost_proposed",
                        "boost_refused",
                        "plan_item_added",
                        "plan_item_refused",
                    ]
                ),
                name="trigger_firing_outcome_valid",
            ),
            # The cool-down's last line of defence: one firing per trigger and instant.
            models.UniqueConstraint(fields=["trigger", "fired_at"], name="unique_trigger_firing"),
        ]
        indexes = [models.Index(fields=["trigger", "-fired_at"], name="trigger_firing_recent")]

    def __str__(self) -> str:
        return f"trigger #{self.trigger_id} at {self.fired_at:%Y-%m-%d %H:%M}"


class TriggerOccasion(models.Model):
    """What a time-based firing was about (a calendar event, a KPI's period): a trigger fires
    at most once per occasion, whatever its cool-down, and the unique key holds that under
    races (the firing's transaction rolls back when another took the occasion first)."""

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="occasions")
    # ``event:<id>`` or ``kpi:<id>:<period start>``.
    key = models.CharField(max_length=100)
    firing = models.OneToOneField(TriggerFiring, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trigger", "key"], name="unique_trigger_occasion")
        ]

    def __str__(self) -> str:
        return f"trigger #{self.trigger_id} {self.key}"


class TriggerAlert(models.Model):
    """An ``alert`` firing waiting in the cockpit of the person on duty (the leads when nobody
    was) until one of them acknowledges it; ``evidence`` is the firing's inputs."""

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"

    firing = models.OneToOneField(TriggerFiring, on_delete=models.CASCADE, related_name="alert")
    title = models.CharField(max_length=300)
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField()
    # Who was on duty when it fired (they see it); empty: nobody was, the leads see it.
    on_duty_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    acknowledged_by = person_reference()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", acknowledged_at__isnull=True)
                | Q(status="acknowledged", acknowledged_at__isnull=False),
                name="trigger_alert_acknowledged_iff_dated",
            ),
        ]
        indexes = [
            models.Index(
                fields=["raised_at"], condition=Q(status="open"), name="trigger_alert_open"
            )
        ]

    def __str__(self) -> str:
        return f"alert of firing #{self.firing_id} ({self.status})"


class CrisisWarning(models.Model):
    """A spike of negative signals against the brand's baseline, with a suggested severity and
    its evidence, for the person on duty to confirm (an incident opens at that severity) or
    dismiss. At most one is open at a time; a bigger spike raises the open one."""

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed"
        DISMISSED = "dismissed"

    severity = models.PositiveSmallIntegerField()
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    decided_by = person_reference()
    decided_at = models.DateTimeField(null=True, blank=True)
    # The approvals incident a confirmation opened.
    incident_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="open"), name="one_open_crisis_warning"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="crisis_warning_severity"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "confirmed", "dismissed"]),
                name="crisis_warning_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="crisis_warning_decided_iff_not_open",
            ),
        ]

    def __str__(self) -> str:
        return f"crisis warning, severity {self.severity} ({self.status})"


class SegmentRule(models.Model):
    """A rule an audience profile carries over the members seen in the brand's signals (the
    ``member`` attribute an integrator sends, a pseudonymous customer key) in the last
    ``days`` days: the top ``percent`` by engagement, active mostly between ``from_hour`` and
    ``to_hour`` of the brand's day, or mentioning ``topic``. A profile's live size is the
    members meeting all its rules, counted in SQL."""

    class Kind(models.TextChoices):
        TOP_ENGAGEMENT = "top_engagement"
        ACTIVE_HOURS = "active_hours"
        MENTIONS_TOPIC = "mentions_topic"

    audience = models.ForeignKey(
        "content.AudienceProfile", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(default=28)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    from_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    to_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    created_by = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=366)
                & (
                    Q(kind="top_engagement", percent__gte=1, percent__lte=100)
                    | Q(
                        kind="active_hours",
                        from_hour__gte=0,
                        from_hour__lte=23,
                        to_hour__gte=0,
                        to_hour__lte=23,
                    )
                    | (Q(kind="mentions_topic") & ~Q(topic=""))
                ),
                name="segment_rule_valid",
            )
        ]
        indexes = [models.Index(fields=["audience", "created_at"], name="segment_rule_audience")]

    def __str__(self) -> str:
        return f"{self.kind} rule of audience #{self.audience_id}"
