"""Request and response shapes of the results API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from brandroom.datetimes import AwareDateTimeField
from results.models import POST_COUNTERS

# Counters fit a bigint with room to add a year of them up.
COUNT = {"min_value": 0, "max_value": 10**15, "default": 0}


class PostSnapshotInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=200, help_text="The post's id on the network, as the published callback gave."
    )
    observed_at = AwareDateTimeField(help_text="When the network showed these lifetime figures.")
    impressions = serializers.IntegerField(**COUNT)
    reach = serializers.IntegerField(**COUNT)
    reactions = serializers.IntegerField(**COUNT)
    comments = serializers.IntegerField(**COUNT)
    shares = serializers.IntegerField(**COUNT)
    saves = serializers.IntegerField(**COUNT)
    link_clicks = serializers.IntegerField(**COUNT)
    video_views = serializers.IntegerField(**COUNT)
    correction = serializers.BooleanField(
        default=False,
        help_text="True when the network revised a figure down; without it a counter lower "
        "than an earlier snapshot's is refused.",
    )

    def run_validation(self, data: Any = serializers.empty) -> Any:
        """The common item (a JSON object with whole-number counters) is checked directly: a
        batch holds 500 of them, and DRF's field-by-field path took ~0.1 s a batch. Anything
        else takes DRF's path, so every error reads as before."""
        checked = _plain_snapshot(data, self.fields["observed_at"])
        return checked if checked is not None else super().run_validation(data)


def _plain_snapshot(data: Any, observed_at: serializers.Field) -> dict[str, Any] | None:
    """The validated snapshot when ``data`` is plainly valid (the same value DRF's path gives),
    else None to let DRF's path accept or refuse it."""
    if type(data) is not dict:
        return None
    external_id = data.get("external_id")
    if (
        type(external_id) is not str
        or not 0 < len(external_id) <= 200
        or not external_id.isascii()
        or "\x00" in external_id
        or external_id != external_id.strip()
    ):
        return None
    raw_time = data.get("observed_at")
    if type(raw_time) is not str:
        return None
    try:
        checked: dict[str, Any] = {
            "external_id": external_id,
            "observed_at": observed_at.to_internal_value(raw_time),
        }
    except serializers.ValidationError:
        return None
    for name in POST_COUNTERS:
        value = data.get(name, 0)
        if type(value) is not int or not COUNT["min_value"] <= value <= COUNT["max_value"]:
            return None
        checked[name] = value
    correction = data.get("correction", False)
    if type(correction) is not bool:
        return None
    checked["correction"] = correction
    return checked


class PostSnapshotBatchSerializer(serializers.Serializer):
    snapshots = serializers.ListField(
        child=PostSnapshotInputSerializer(), min_length=1, max_length=500
    )


class ChannelDayInputSerializer(serializers.Serializer):
    channel = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    day = serializers.DateField(help_text="The brand-local day the figures are for.")
    followers = serializers.IntegerField(**COUNT, help_text="Followers at the end of the day.")
    profile_visits = serializers.IntegerField(**COUNT)
    mentions = serializers.IntegerField(**COUNT, help_text="All mentions of the day.")
    positive_mentions = serializers.IntegerField(**COUNT)
    neutral_mentions = serializers.IntegerField(**COUNT)
    negative_mentions = serializers.IntegerField(**COUNT)


class ChannelDayBatchSerializer(serializers.Serializer):
    days = serializers.ListField(child=ChannelDayInputSerializer(), min_length=1, max_length=500)


class IngestOutcomeSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class DepartmentMemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id", min_value=1, max_value=2**63 - 1)
    username = serializers.CharField(source="user.username", read_only=True)


class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    members = DepartmentMemberSerializer(many=True, read_only=True)


class CatalogueMetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    unit = serializers.CharField()
    behaves = serializers.CharField(help_text="total (grows over the period) or rate.")
    scopes = serializers.ListField(child=serializers.CharField())
    signed = serializers.BooleanField()
    definition = serializers.CharField()


TARGET = {"max_digits": 18, "decimal_places": 4, "coerce_to_string": True}


class KpiInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    metric = serializers.CharField(max_length=40, help_text="A key of GET kpis/catalogue/.")
    period = serializers.ChoiceField(choices=["week", "month", "quarter"])
    direction = serializers.ChoiceField(choices=["at_least", "at_most"])
    target = serializers.DecimalField(max_digits=18, decimal_places=4)
    department = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    owner = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="A member of the department (user id)."
    )
    channel = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Scope: one channel."
    )
    audience = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Scope: one audience."
    )
    campaign = serializers.CharField(
        required=False, max_length=200, help_text="Scope: a campaign named on briefs."
    )
    pillar = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Scope: a plan pillar (its id); a post counts for the pillar its brief was "
        "started for.",
    )


class KpiChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    direction = serializers.ChoiceField(choices=["at_least", "at_most"], required=False)
    target = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    department = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    owner = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


class PeriodActualSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first day after the period.")
    actual = serializers.DecimalField(**TARGET, allow_null=True)
    projected = serializers.DecimalField(**TARGET, allow_null=True)
    target = serializers.DecimalField(**TARGET)
    direction = serializers.CharField()
    status = serializers.CharField()
    current = serializers.BooleanField()


class KpiTargetSerializer(serializers.Serializer):
    target = serializers.DecimalField(**TARGET)
    direction = serializers.CharField()
    set_by = serializers.IntegerField(source="set_by_id", allow_null=True)
    set_at = serializers.DateTimeField()


class KpiSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="kpi.id")
    name = serializers.CharField(source="kpi.name")
    metric = serializers.CharField(source="kpi.metric")
    metric_label = serializers.CharField(source="metric.label")
    unit = serializers.CharField(source="metric.unit")
    scope = serializers.SerializerMethodField()
    period = serializers.CharField(source="kpi.period")
    department = serializers.IntegerField(source="kpi.department_id")
    department_name = serializers.CharField(source="kpi.department.name")
    owner = serializers.IntegerField(source="kpi.owner_id")
    direction = serializers.CharField(source="now.direction")
    target = serializers.DecimalField(**TARGET, source="now.target")
    actual = serializers.DecimalField(**TARGET, source="now.actual", allow_null=True)
    projected = serializers.DecimalField(**TARGET, source="now.projected", allow_null=True)
    variance = serializers.DecimalField(
        **TARGET, allow_null=True, help_text="Projected (or actual) minus target, this period."
    )
    trend = serializers.CharField(
        allow_null=True, help_text="up, down or flat: last complete period against the one before."
    )
    status = serializers.CharField(source="now.status")
    periods = PeriodActualSerializer(many=True)
    targets = KpiTargetSerializer(many=True, source="kpi.targets.all")

    def get_scope(self, report: Any) -> dict[str, str] | None:
        kpi = report.kpi
        return {"kind": kpi.scope_kind, "value": kpi.scope_value} if kpi.scope_kind else None


class PostResultSerializer(serializers.Serializer):
    draft = serializers.IntegerField(source="draft_id")
    external_id = serializers.CharField(source="draft.external_id")
    external_url = serializers.CharField(source="draft.external_url")
    published_at = serializers.DateTimeField(source="draft.published_at")
    channel = serializers.IntegerField(source="draft.channel_id", allow_null=True)
    audience = serializers.IntegerField(source="draft.audience_id", allow_null=True)
    text = serializers.CharField(source="draft.text")
    observed_at = serializers.DateTimeField(allow_null=True)
    impressions = serializers.IntegerField()
    reach = serializers.IntegerField()
    reactions = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    saves = serializers.IntegerField()
    link_clicks = serializers.IntegerField()
    video_views = serializers.IntegerField()
    engagements = serializers.IntegerField()
    engagement_rate = serializers.FloatField(allow_null=True)
    click_through_rate = serializers.FloatField(allow_null=True)


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    impressions = serializers.IntegerField()
    reach = serializers.IntegerField()
    reactions = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    saves = serializers.IntegerField()
    link_clicks = serializers.IntegerField()
    video_views = serializers.IntegerField()
    engagements = serializers.IntegerField()
    engagement_rate = serializers.FloatField(allow_null=True)
    click_through_rate = serializers.FloatField(allow_null=True)


class ResultsFiguresSerializer(serializers.Serializer):
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    figures = serializers.DictField(child=serializers.DecimalField(**TARGET, allow_null=True))


class ResultsSettingsSerializer(serializers.Serializer):
    reply_deadline_minutes = serializers.IntegerField(
        min_value=1,
        max_value=7 * 24 * 60,
        help_text="An inbox item answered within this many minutes counts as in time.",
    )


class ReadinessCriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    score = serializers.IntegerField(allow_null=True, help_text="0-100.")
    evidence = serializers.ListField(child=serializers.CharField())
    next_step = serializers.CharField(help_text="The one change that would raise it most.")


class ReadinessSerializer(serializers.Serializer):
    overall = serializers.IntegerField(allow_null=True, help_text="The mean of the seven criteria.")
    criteria = ReadinessCriterionSerializer(many=True)
