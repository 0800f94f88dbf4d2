"""Paid media of a brand: boosts, monthly budgets, metric snapshots, alerts and settings."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from content.networks import Network
from tenants.people import person_reference

MONEY = {"max_digits": 15, "decimal_places": 3}
# Networks report spend in micros; keep what they send and round only when presenting.
SPEND = {"max_digits": 18, "decimal_places": 6}
CURRENCY_CHECK = Q(currency__regex=r"^[A-Z]{3}$")


class MediaSettings(models.Model):
    """The brand's paid-media rules: how far pacing may drift before an alert.

    One row per brand schema (pk is always 1). Who signs off how much spend is not here: it is
    the approvals app's policy (``AutonomyPolicy.boost_*``).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    pacing_tolerance_percent = models.PositiveSmallIntegerField(default=20)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "media settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="media_settings_singleton"),
            models.CheckConstraint(
                condition=Q(pacing_tolerance_percent__lte=100),
                name="media_settings_tolerance_range",
            ),
        ]

    def __str__(self) -> str:
        return "media settings"


class MonthlyBudget(models.Model):
    """What the brand may commit to boosts in one local calendar month, in one currency."""

    month = models.DateField(help_text="First day of the month.")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "currency"], name="unique_monthly_budget"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_budget_first_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="monthly_budget_not_negative"),
            models.CheckConstraint(condition=CURRENCY_CHECK, name="monthly_budget_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount} {self.currency}"


class BoostStatus(models.TextChoices):
    """Where a boost is; ``Boost.Status``. At module level so the database constraints below
    take their values from it (a class's own names are not visible in its ``Meta``)."""

    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Boost(models.Model):
    """Paid promotion of an approved draft (or a post published elsewhere) on one network.

    Status moves are enforced by a database trigger (migration 0002): only the transitions in
    ``TRANSITIONS`` are accepted, whoever writes the row.
    """

    Status = BoostStatus

    class Objective(models.TextChoices):
        REACH = "reach"
        ENGAGEMENT = "engagement"
        TRAFFIC = "traffic"
        CONVERSIONS = "conversions"

    class PauseReason(models.TextChoices):
        MANUAL = "manual"
        CAP_REACHED = "cap_reached"
        CRISIS = "crisis"

    # A draft lives in content; media reads it through content.selectors only, so this is the
    # draft's id rather than a foreign key into another app's tables.
    draft_id = models.PositiveBigIntegerField(null=True, blank=True)
    external_post_ref = models.CharField(max_length=500, blank=True)
    network = models.CharField(max_length=16, choices=Network.choices)
    objective = models.CharField(max_length=16, choices=Objective.choices)
    # The brand's audience profile the boost is for (content's AudienceProfile, same schema).
    audience = models.ForeignKey(
        "content.AudienceProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="boosts",
    )
    # The network's own saved-audience id, if the media specialist uses one (free text).
    audience_ref = models.CharField(max_length=200, blank=True)
    targeting = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3)
    budget_total = models.DecimalField(**MONEY)
    daily_cap = models.DecimalField(**MONEY, null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    pause_reason = models.CharField(max_length=16, choices=PauseReason.choices, blank=True)
    # True while a brand crisis holds the boost: no approval, no delivery until stand-down.
    crisis_hold = models.BooleanField(default=False)
    # When it was last offered for sign-off; None for a proposal a crisis held back.
    submitted_at = models.DateTimeField(null=True, blank=True)
    approval_request_id = models.PositiveBigIntegerField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    status_note = models.TextField(blank=True)
    proposed_by = person_reference()
    # Proposed through an integrator's API key: the key (tenants.ApiKey, public schema), with
    # the person who created it as ``proposed_by``, so nobody approves what their key proposed.
    proposed_by_key_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS: dict[str, frozenset[str]] = {
        "proposed": frozenset({"pending_approval", "approved", "cancelled"}),
        # Back to proposed when changes are requested; a rejection cancels.
        "pending_approval": frozenset({"approved", "proposed", "cancelled"}),
        "approved": frozenset({"active", "cancelled"}),
        "active": frozenset({"paused", "completed", "cancelled"}),
        "paused": frozenset({"active", "completed", "cancelled"}),
        "completed": frozenset(),
        "cancelled": frozenset(),
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BoostStatus.values), name="boost_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(draft_id__isnull=False) & Q(external_post_ref=""))
                | (Q(draft_id__isnull=True) & ~Q(external_post_ref="")),
                name="boost_promotes_one_post",
            ),
            models.CheckConstraint(condition=Q(budget_total__gt=0), name="boost_budget_positive"),
            models.CheckConstraint(
                condition=Q(daily_cap__isnull=True)
                | (Q(daily_cap__gt=0) & Q(daily_cap__lte=models.F("budget_total"))),
                name="boost_daily_cap_within_total",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="boost_ends_after_start"
            ),
            models.CheckConstraint(condition=CURRENCY_CHECK, name="boost_currency"),
            models.CheckConstraint(
                condition=Q(status=BoostStatus.PAUSED) | Q(pause_reason=""),
                name="boost_pause_reason_only_when_paused",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="boost_status_start")]

    def __str__(self) -> str:
        return f"boost #{self.pk} {self.budget_total} {self.currency} ({self.status})"


class MetricSnapshot(models.Model):
    """Results an integrator reported for one boost over one period; a period is reported once
    (sending it again replaces it), so totals never count a period twice."""

    boost = models.ForeignKey(Boost, on_delete=models.CASCADE, related_name="snapshots")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    impressions = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    engagements = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    spend = models.DecimalField(**SPEND, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["boost", "period_start", "period_end"], name="unique_snapshot_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="snapshot_period_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(spend__gte=0), name="snapshot_spend_not_negative"),
        ]
        indexes = [models.Index(fields=["boost", "period_start"], name="snapshot_boost_period")]

    def __str__(self) -> str:
        return f"boost #{self.boost_id} {self.period_start:%Y-%m-%d %H:%M}: {self.spend}"


class BoostAlert(models.Model):
    """Something about a boost's money that people must hear about; raised once per key."""

    class Kind(models.TextChoices):
        OVERSPEND = "overspend"
        UNDER_DELIVERY = "under_delivery"
        CAP_REACHED = "cap_reached"

    boost = models.ForeignKey(Boost, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What makes the alert distinct: "total", or the brand-local day for daily alerts.
    key = models.CharField(max_length=32)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["boost", "kind", "key"], name="unique_boost_alert"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on boost #{self.boost_id} ({self.key})"


# Named in SPECTACULAR_SETTINGS so the API schema calls this choice set BoostStatusEnum.
BOOST_STATUS_CHOICES = Boost.Status.choices


class BoostAsset(models.Model):
    """An image or video of the brand's library on a boost's creative, at a position (0
    first), with the alt text read to people who cannot see it. The files stay in the assets
    app's storage; an asset on a boost cannot be deleted."""

    boost = models.ForeignKey(Boost, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="boost_links")
    position = models.PositiveSmallIntegerField()
    alt_text = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["boost", "position"]
        constraints = [
            models.UniqueConstraint(fields=["boost", "position"], name="boost_asset_position"),
            models.UniqueConstraint(fields=["boost", "asset"], name="boost_asset_once"),
        ]

    def __str__(self) -> str:
        return f"asset #{self.asset_id} at {self.position} on boost #{self.boost_id}"
