"""Approvals data in the brand's schema: policy, requests, steps, decisions, rota, incidents, audit.

People (users) live in the public schema; columns that point at them are plain ids (``*_id``)
because a foreign key cannot cross schemas and a removed user must not take history with them.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from content.risk_bands import HIGH_RISK_FROM, MEDIUM_RISK_FROM
from tenants.people import person_reference

KINDS = ["post", "reply", "boost"]
BANDS = ["low", "medium", "high"]


class SubjectKind(models.TextChoices):
    POST = "post"
    REPLY = "reply"
    BOOST = "boost"


class RiskBand(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ApprovalMode(models.TextChoices):
    ANY = "any"  # one approval from any listed role completes the step
    ALL = "all"  # every listed role must approve


class TimeoutRule(models.TextChoices):
    ESCALATE = "escalate"  # to the person on duty, else the account lead; expire if late again
    AUTO_APPROVE = "auto_approve"  # only for low risk where the policy allows it
    EXPIRE = "expire"


class AutonomyPolicy(models.Model):
    """The brand's autonomy settings; one row per brand (id 1). Chains live in ChainRule."""

    level = models.PositiveSmallIntegerField(default=1)
    medium_risk_from = models.PositiveSmallIntegerField(default=MEDIUM_RISK_FROM)
    high_risk_from = models.PositiveSmallIntegerField(default=HIGH_RISK_FROM)
    allow_auto_approve = models.BooleanField(default=False)
    boost_currency = models.CharField(max_length=3, default="EUR")
    boost_no_signoff_up_to = models.DecimalField(max_digits=14, decimal_places=2, default=500)
    boost_lead_up_to = models.DecimalField(max_digits=14, decimal_places=2, default=5000)
    crisis_threshold = models.PositiveSmallIntegerField(default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "autonomy policies"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="autonomy_policy_singleton"),
            models.CheckConstraint(condition=Q(level__lte=3), name="autonomy_level_range"),
            models.CheckConstraint(
                condition=Q(medium_risk_from__lt=models.F("high_risk_from"))
                & Q(high_risk_from__lte=100),
                name="autonomy_risk_bands_ordered",
            ),
            models.CheckConstraint(
                condition=Q(boost_no_signoff_up_to__gte=0)
                & Q(boost_lead_up_to__gte=models.F("boost_no_signoff_up_to")),
                name="autonomy_boost_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(crisis_threshold__gte=1) & Q(crisis_threshold__lte=5),
                name="autonomy_crisis_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return f"autonomy level {self.level}"


class ChainRule(models.Model):
    """For one content kind and risk band: whether sign-off is needed and the ordered steps.

    ``steps`` is a list of ``{"roles": [...], "mode": "any"|"all", "deadline_minutes": int,
    "reminder_minutes": [int, ...], "on_timeout": "escalate"|"auto_approve"|"expire"}``;
    an empty list means no sign-off. ``inform_roles`` hear about the outcome by email.
    """

    kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    band = models.CharField(max_length=8, choices=RiskBand.choices)
    steps = models.JSONField(default=list)
    inform_roles = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "band"], name="unique_chain_rule"),
            models.CheckConstraint(condition=Q(kind__in=KINDS), name="chain_rule_kind_valid"),
            models.CheckConstraint(condition=Q(band__in=BANDS), name="chain_rule_band_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.band}: {len(self.steps)} step(s)"


class ApprovalRequest(models.Model):
    """One subject (draft or boost) going through the chain its policy gave it."""

    class Status(models.TextChoices):
        NOT_REQUIRED = "not_required"  # the policy cleared it; ``reason`` says why
        OPEN = "open"
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested"
        EXPIRED = "expired"
        WITHDRAWN = "withdrawn"

    subject_kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    risk_score = models.PositiveSmallIntegerField(default=0)
    band = models.CharField(max_length=8, choices=RiskBand.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    requested_by = person_reference(db_index=False)
    # Everyone who wrote any version of the subject (and the requester): none of them may
    # decide it, however small someone else's later edit was.
    author_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=500)
    level = models.PositiveSmallIntegerField()
    inform_roles = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    opened_in_crisis = models.BooleanField(default=False)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # One review item for a generation job's variants: the drafts offered as alternatives, in
    # id order (empty for a single subject). The approver approves one by naming it: it becomes
    # ``chosen_variant_id`` and the subject, and the others are dropped.
    variant_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    chosen_variant_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(chosen_variant_id__isnull=True)
                | Q(subject_id=models.F("chosen_variant_id")),
                name="approval_request_chosen_variant_is_subject",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "not_required",
                        "open",
                        "approved",
                        "rejected",
                        "changes_requested",
                        "expired",
                        "withdrawn",
                    ]
                ),
                name="approval_request_status_valid",
            ),
            # Open means unfinished; every other state is final and says when it finished.
            models.CheckConstraint(
                condition=Q(status="open", finished_at__isnull=True)
                | (~Q(status="open") & Q(finished_at__isnull=False)),
                name="approval_request_finished_iff_not_open",
            ),
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id"],
                condition=Q(status="open"),
                name="one_open_request_per_subject",
            ),
        ]
        indexes = [models.Index(fields=["subject_kind", "subject_id"], name="request_subject")]

    def __str__(self) -> str:
        return f"{self.subject_kind} #{self.subject_id}: {self.status}"

    @property
    def open_variant_ids(self) -> list[int]:
        """The drafts still up for review in this item: all its variants until one is chosen,
        then that one (a single subject: just the subject)."""
        if self.chosen_variant_id is not None or not self.variant_ids:
            return [self.subject_id]
        return list(self.variant_ids)

    @property
    def authors(self) -> set[int]:
        """Ids of the people who may never decide this request: its writers and requester."""
        ids = set(self.author_ids)
        if self.requested_by_id is not None:
            ids.add(self.requested_by_id)
        return ids


class ApprovalStep(models.Model):
    """One step of a request's chain. ``next_action_at`` is the one place the sweep looks:
    the earlier of the next reminder and the deadline, set only while the step is open."""

    class Status(models.TextChoices):
        WAITING = "waiting"  # an earlier step is still open
        OPEN = "open"
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested"
        EXPIRED = "expired"
        SKIPPED = "skipped"  # the request finished before this step opened, or was withdrawn

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    roles = ArrayField(models.CharField(max_length=32))
    mode = models.CharField(max_length=4, choices=ApprovalMode.choices, default=ApprovalMode.ANY)
    deadline_minutes = models.PositiveIntegerField()
    reminder_minutes = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    on_timeout = models.CharField(
        max_length=16, choices=TimeoutRule.choices, default=TimeoutRule.ESCALATE
    )
    is_crisis_step = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    opened_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    # The deadline first set, kept when an escalation extends ``deadline_at`` (for the figures).
    first_deadline_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = person_reference(db_index=False)

    class Meta:
        ordering = ["request_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="unique_step_position"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "waiting",
                        "open",
                        "approved",
                        "rejected",
                        "changes_requested",
                        "expired",
                        "skipped",
                    ]
                ),
                name="approval_step_status_valid",
            ),
            models.CheckConstraint(condition=Q(mode__in=["any", "all"]), name="step_mode_valid"),
            # Only an open step is due for anything, and an open step always has a due time.
            models.CheckConstraint(
                condition=Q(status="open", next_action_at__isnull=False, deadline_at__isnull=False)
                | (~Q(status="open") & Q(next_action_at__isnull=True)),
                name="step_due_iff_open",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected", "changes_requested", "expired"])
                | Q(decided_at__isnull=False),
                name="step_decided_has_time",
            ),
        ]
        indexes = [
            # The sweep's only way in: open steps by due time (small, because it is partial).
            models.Index(
                fields=["next_action_at"],
                condition=Q(status="open"),
                name="step_due_open",
            ),
            models.Index(
                fields=["deadline_at"], condition=Q(status="open"), name="step_deadline_open"
            ),
        ]

    def __str__(self) -> str:
        return f"step {self.position} of request {self.request_id}: {self.status}"


class Decision(models.Model):
    """One person's decision on a step."""

    class Verdict(models.TextChoices):
        APPROVE = "approve"
        REJECT = "reject"
        REQUEST_CHANGES = "request_changes"

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="decisions")
    # Indexed by the decision_by_person index, which leads with it.
    decider = person_reference(required=True, db_index=False)
    role = models.CharField(max_length=32)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["step", "decider"], name="one_decision_per_person"),
            models.CheckConstraint(
                condition=Q(verdict__in=["approve", "reject", "request_changes"]),
                name="decision_verdict_valid",
            ),
            models.CheckConstraint(
                condition=Q(verdict="approve") | ~Q(comment=""),
                name="decision_reason_required",
            ),
        ]
        indexes = [models.Index(fields=["decider", "-created_at"], name="decision_by_person")]

    def __str__(self) -> str:
        return f"{self.verdict} by user {self.decider_id} on step {self.step_id}"


class Duty(models.TextChoices):
    """What a rota window puts its person on duty for."""

    APPROVALS = "approvals"  # escalated sign-offs reach them (people who may decide)
    INBOX = "inbox"  # incoming inbox items are assigned to them (people who may answer)


class CoverageWindow(models.Model):
    """A person on duty on some weekdays between two local times (brand time zone).

    A window whose end is before its start runs past midnight into the next day."""

    user = person_reference(required=True, db_index=False)
    duty = models.CharField(max_length=10, choices=Duty.choices, default=Duty.APPROVALS)
    label = models.CharField(max_length=100, blank=True)
    weekdays = ArrayField(models.PositiveSmallIntegerField())  # 0 Monday .. 6 Sunday
    starts = models.TimeField()
    ends = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(starts=models.F("ends")), name="window_not_empty"),
            models.CheckConstraint(
                condition=Q(weekdays__contained_by=[0, 1, 2, 3, 4, 5, 6]) & ~Q(weekdays=[]),
                name="window_weekdays_valid",
            ),
            models.CheckConstraint(condition=Q(duty__in=Duty.values), name="window_duty_valid"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} on duty {self.weekdays} {self.starts}-{self.ends}"


class QuietHours(models.Model):
    """When a client approver does not want reminders (brand time zone, every day)."""

    user = person_reference(required=True, db_index=False)
    starts = models.TimeField()
    ends = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "quiet hours"
        constraints = [
            models.CheckConstraint(condition=~Q(starts=models.F("ends")), name="quiet_not_empty"),
            # One row per person; named as PostgreSQL named the column's UNIQUE in 0001.
            models.UniqueConstraint(fields=["user"], name="approvals_quiethours_user_id_key"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} quiet {self.starts}-{self.ends}"


class NotificationPreference(models.Model):
    """How a person wants to hear about what is not urgent on this brand: collected into one
    digest email every ``digest_minutes`` (0: each at once). Without a row, the platform's
    default (``APPROVALS_DIGEST_MINUTES``) applies. Urgent ones (replies, crisis, escalations,
    a deadline too close to wait) always go at once."""

    user = person_reference(required=True, db_index=False)
    digest_minutes = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], name="one_notification_preference_each"),
            models.CheckConstraint(
                condition=Q(digest_minutes__lte=1440), name="digest_at_least_daily"
            ),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id}: digest every {self.digest_minutes} min"


class DigestEntry(models.Model):
    """A non-urgent notification held for a person's next digest; ``sent_at`` once a digest
    carried it (claimed with SKIP LOCKED, so two digest runs never send it twice)."""

    user = person_reference(required=True, db_index=False)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=Q(sent_at__isnull=True),
                name="digest_entry_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"for user {self.user_id}: {self.subject}"


class Incident(models.Model):
    """A brand incident; at or above the policy's crisis threshold the brand is in crisis."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    summary = models.CharField(max_length=500)
    severity = models.PositiveSmallIntegerField()
    owner = person_reference(db_index=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = person_reference(db_index=False)
    created_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5), name="incident_severity_range"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="incident_closed_iff_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"severity {self.severity}: {self.summary} ({self.status})"


class IncidentUpdate(models.Model):
    """One entry on an incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    author = person_reference(db_index=False)
    note = models.TextField(blank=True)
    severity_before = models.PositiveSmallIntegerField(null=True, blank=True)
    severity_after = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"incident {self.incident_id} update at {self.created_at}"


class CrisisState(models.Model):
    """Whether the brand is in crisis now (one row, id 1); the flag everything else reads."""

    active = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="crisis_state_singleton"),
            models.CheckConstraint(
                condition=Q(active=False) | Q(since__isnull=False), name="crisis_active_has_since"
            ),
        ]

    def __str__(self) -> str:
        return "crisis" if self.active else "calm"


class CrisisHold(models.Model):
    """A subject held by a crisis with the status to give back at stand-down."""

    subject_kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    previous_status = models.CharField(max_length=24)
    held_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id"],
                condition=Q(released_at__isnull=True),
                name="one_active_hold_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind} #{self.subject_id} held at {self.held_at}"


# Where a decision was made, kept in its audit entry (``after["via"]``).
DECIDED_VIA_API = "api"
DECIDED_VIA_PHONE = "phone"
DECIDED_VIA = (DECIDED_VIA_API, DECIDED_VIA_PHONE)


class AuditEntry(models.Model):
    """Append-only record of a state change: who, when, what, before and after.

    A database trigger refuses UPDATE and DELETE on this table (see migration 0002)."""

    at = models.DateTimeField(db_index=True)
    actor = person_reference(db_index=False)  # None: the system (sweep, policy)
    action = models.CharField(max_length=40)
    subject_kind = models.CharField(max_length=16, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.BigIntegerField(null=True, blank=True)
    step_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_kind", "subject_id"], name="audit_subject")]

    def __str__(self) -> str:
        return f"{self.at} {self.action} {self.subject_kind} {self.subject_id}"


# Module-level names for the API schema's enum overrides (nested classes cannot be imported).
REQUEST_STATUS_CHOICES = ApprovalRequest.Status.choices
STEP_STATUS_CHOICES = ApprovalStep.Status.choices
INCIDENT_STATUS_CHOICES = Incident.Status.choices
