"""What a brand achieved: organic snapshots of published posts, channel days, a daily rollup
for fast sums, departments with their members, and KPIs with the history of their targets."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from tenants.people import person_reference

# The cumulative counters a network reports for one post, in the order the API lists them.
POST_COUNTERS = (
    "impressions",
    "reach",
    "reactions",
    "comments",
    "shares",
    "saves",
    "link_clicks",
    "video_views",
)
# What a channel reports for one brand-local day.
CHANNEL_FIGURES = (
    "followers",
    "profile_visits",
    "mentions",
    "positive_mentions",
    "neutral_mentions",
    "negative_mentions",
)


class PostCounters(models.Model):
    """The counters a network reports for posts (``POST_COUNTERS``), as columns: a snapshot's
    lifetime figures, a post's latest ones, a day's sums."""

    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(default=0)
    reactions = models.BigIntegerField(default=0)
    comments = models.BigIntegerField(default=0)
    shares = models.BigIntegerField(default=0)
    saves = models.BigIntegerField(default=0)
    link_clicks = models.BigIntegerField(default=0)
    video_views = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class PostSnapshot(PostCounters):
    """A published post's lifetime counters as the network showed them at ``observed_at``.

    ``d_*`` hold what each counter grew since the post's previous snapshot (negative only on a
    correction), so a period's results are plain sums over the snapshots observed in it.
    """

    draft = models.ForeignKey("content.Draft", on_delete=models.CASCADE, related_name="+")
    observed_at = models.DateTimeField()
    is_correction = models.BooleanField(default=False)
    d_impressions = models.BigIntegerField(default=0)
    d_reach = models.BigIntegerField(default=0)
    d_reactions = models.BigIntegerField(default=0)
    d_comments = models.BigIntegerField(default=0)
    d_shares = models.BigIntegerField(default=0)
    d_saves = models.BigIntegerField(default=0)
    d_link_clicks = models.BigIntegerField(default=0)
    d_video_views = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draft", "observed_at"], name="unique_post_snapshot"),
            models.CheckConstraint(
                condition=Q(
                    impressions__gte=0,
                    reach__gte=0,
                    reactions__gte=0,
                    comments__gte=0,
                    shares__gte=0,
                    saves__gte=0,
                    link_clicks__gte=0,
                    video_views__gte=0,
                ),
                name="post_snapshot_counters_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["observed_at"], name="post_snapshot_observed")]

    def __str__(self) -> str:
        return f"draft #{self.draft_id} at {self.observed_at:%Y-%m-%d %H:%M}"


class PostTotals(PostCounters):
    """A published post's latest counters (its newest snapshot), one row per post; also the
    row that serialises ingestion for the post."""

    draft = models.OneToOneField(
        "content.Draft", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    observed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"totals of draft #{self.draft_id}"


class ResultDay(PostCounters):
    """Organic growth per brand-local day and per slice a KPI can be scoped to (channel,
    audience, campaign, pillar): the sums of the snapshots' ``d_*``. Rebuilt for the days a batch
    touches (results.services.ingest.rebuild_days), so KPI actuals read hundreds of rows, not
    millions."""

    day = models.DateField()
    channel_id = models.BigIntegerField(null=True)
    audience_id = models.BigIntegerField(null=True)
    campaign = models.CharField(max_length=200, blank=True)
    # The plan pillar of the posts' brief (``content.Brief.pillar_id``), when it has one.
    pillar_id = models.BigIntegerField(null=True)
    posts = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="result_day_day")]

    def __str__(self) -> str:
        return f"{self.day} channel {self.channel_id}"


class ChannelDay(models.Model):
    """What one channel reported for one brand-local day: followers at the end of the day and
    the day's profile visits and mentions (by sentiment). Reporting a day again replaces it."""

    channel = models.ForeignKey("content.Channel", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    followers = models.BigIntegerField(default=0)
    profile_visits = models.BigIntegerField(default=0)
    mentions = models.BigIntegerField(default=0)
    positive_mentions = models.BigIntegerField(default=0)
    neutral_mentions = models.BigIntegerField(default=0)
    negative_mentions = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="unique_channel_day"),
            models.CheckConstraint(
                condition=Q(
                    followers__gte=0,
                    profile_visits__gte=0,
                    positive_mentions__gte=0,
                    neutral_mentions__gte=0,
                    negative_mentions__gte=0,
                )
                & Q(
                    mentions__gte=F("positive_mentions")
                    + F("neutral_mentions")
                    + F("negative_mentions")
                ),
                name="channel_day_figures_valid",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="channel_day_day")]

    def __str__(self) -> str:
        return f"channel #{self.channel_id} on {self.day}"


class Department(models.Model):
    """A part of the client's business on the brand's steering committee (Marketing, Legal…)."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="unique_department_name")]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    """A brand member (agency or client side) who sits for a department."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members")
    user = person_reference()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="unique_department_member")
        ]

    def __str__(self) -> str:
        return f"user #{self.user_id} in {self.department_id}"


class Kpi(models.Model):
    """A goal a department owns: a catalogue metric, optionally for one slice, per period,
    against a target in a direction. Targets change; ``KpiTarget`` keeps every one."""

    class Period(models.TextChoices):
        WEEK = "week"
        MONTH = "month"
        QUARTER = "quarter"

    class Direction(models.TextChoices):
        AT_LEAST = "at_least"
        AT_MOST = "at_most"

    class ScopeKind(models.TextChoices):
        CHANNEL = "channel"
        AUDIENCE = "audience"
        CAMPAIGN = "campaign"
        PILLAR = "pillar"

    class Status(models.TextChoices):
        ON_TRACK = "on_track"
        AT_RISK = "at_risk"
        OFF_TRACK = "off_track"
        NO_DATA = "no_data"

    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=40)
    scope_kind = models.CharField(max_length=16, choices=ScopeKind.choices, blank=True)
    # A channel or audience id, or a campaign's name as the briefs write it.
    scope_value = models.CharField(max_length=200, blank=True)
    period = models.CharField(max_length=8, choices=Period.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    target = models.DecimalField(max_digits=18, decimal_places=4)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="kpis")
    owner = person_reference()
    # The current period's status when last evaluated: kpi.off_track is announced on the
    # change into off_track, once per period.
    last_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    last_status_period = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(period__in=["week", "month", "quarter"]), name="kpi_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["at_least", "at_most"]), name="kpi_direction_valid"
            ),
            models.CheckConstraint(
                condition=(Q(scope_kind="") & Q(scope_value=""))
                | (~Q(scope_kind="") & ~Q(scope_value="")),
                name="kpi_scope_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class KpiTarget(models.Model):
    """One target a KPI had, from ``set_at`` until the next one: a past period is judged by
    the target in force when it ended."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    target = models.DecimalField(max_digits=18, decimal_places=4)
    direction = models.CharField(max_length=8, choices=Kpi.Direction.choices)
    set_by = person_reference()
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["set_at", "id"]
        indexes = [models.Index(fields=["kpi", "set_at"], name="kpi_target_set")]

    def __str__(self) -> str:
        return f"{self.kpi_id}: {self.direction} {self.target}"
