"""Request and response shapes of the listening API."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from brandroom.datetimes import AwareDateTimeField, _has_offset, as_utc
from brandroom.http.parsers import storable_text
from listening.models import (
    CrisisWarning,
    SegmentRule,
    SignalKind,
    Trigger,
    TriggerAlert,
    TriggerFiring,
)
from listening.services.signals import MAX_BATCH
from listening.services.triggers import TRIGGER_FIELDS

MAX_ATTRIBUTES = 20
ID = {"min_value": 1, "max_value": 2**63 - 1}


class StrictFloatField(serializers.FloatField):
    """A JSON number: ``"12"`` or ``true`` is a value of the wrong kind, not a number."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError("Give a number.", code="invalid")
        return float(super().to_internal_value(data))


def _attributes(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_ATTRIBUTES:
        raise serializers.ValidationError(f"Give at most {MAX_ATTRIBUTES} attributes.")
    for key, item in value.items():
        if len(key) > 100:
            raise serializers.ValidationError("Attribute names are at most 100 characters.")
        if not storable_text(key) or (isinstance(item, str) and not storable_text(item)):
            # PostgreSQL's jsonb holds neither (the insert failed with a 500): refused here,
            # naming the attribute.
            raise serializers.ValidationError(
                f"Attribute '{_printable(key)}' holds a null character (\\u0000) or a lone "
                "surrogate, which cannot be stored."
            )
        if isinstance(item, dict | list):
            raise serializers.ValidationError(
                f"Attribute '{key}' must be a string, number, true/false or null."
            )
        if isinstance(item, float) and not math.isfinite(item):
            # 1e400 parses as infinity, which JSON (and PostgreSQL's jsonb) cannot hold.
            raise serializers.ValidationError(f"Attribute '{key}' is not a finite number.")
        if isinstance(item, str) and len(item) > 500:
            raise serializers.ValidationError(f"Attribute '{key}' is over 500 characters.")
    return value


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


class SignalInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SignalKind.choices)
    source = serializers.CharField(
        max_length=100, help_text="The channel or system that observed it (instagram, shop)."
    )
    external_id = serializers.CharField(
        max_length=200, help_text="The signal's id at its source; (source, external_id) is unique."
    )
    observed_at = AwareDateTimeField(help_text="When it happened, with a UTC offset.")
    audience = serializers.IntegerField(
        **ID, required=False, allow_null=True, help_text="The audience (segment) it belongs to."
    )
    topic = serializers.CharField(max_length=100, required=False, allow_blank=True)
    value = StrictFloatField(
        required=False,
        default=1,
        min_value=-1e12,
        max_value=1e12,
        help_text="A count, amount or score (1 when not given).",
    )
    sentiment = StrictFloatField(
        required=False,
        allow_null=True,
        min_value=-1,
        max_value=1,
        help_text="-1 (negative) to 1 (positive), when the source scored it.",
    )
    text = serializers.CharField(
        max_length=2200,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The public's words, kept as data: never given to the assistant.",
    )
    post_external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The brand's published post it is about (its id on the network), if any.",
    )
    attributes = serializers.DictField(
        required=False, validators=[_attributes], help_text="Up to 20 scalar values."
    )

    def run_validation(self, data: Any = serializers.empty) -> Any:
        """The common item (a JSON object of plainly valid values) is checked in one pass of
        plain Python: a batch holds 1,000 of them, and DRF's field-by-field path was about half
        of a batch's Python time. Anything else takes DRF's path, so every error (a 400 naming
        ``signals.<index>.<field>``) reads as before."""
        checked = _plain_signal(data, self.fields["observed_at"])
        return checked if checked is not None else super().run_validation(data)


_KINDS = frozenset(SignalKind.values)


def _plain_text(value: Any, *, longest: int, blank: bool, trimmed: bool) -> bool:
    """Whether a CharField would take ``value`` unchanged: a string within ``longest``, not
    blank unless allowed, without surrounding whitespace when the field trims it, and without
    NUL or lone surrogates (which DRF refuses)."""
    if type(value) is not str or len(value) > longest or "\x00" in value:
        return False
    if not value:
        return blank
    if trimmed and (value[0].isspace() or value[-1].isspace()):
        return False
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _plain_number(value: Any, low: float, high: float) -> float | None:
    """``value`` as StrictFloatField gives it when it is a plain JSON number within range."""
    if type(value) is not int and type(value) is not float:
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def _plain_time(raw: str) -> datetime | None:
    """The UTC instant AwareDateTimeField reads from ``raw`` when it is a plain ISO 8601 time
    with an offset some place uses, else None (the field's own path decides). That path also
    shifts the time to the active zone, which only years 1 and 9999 can overflow: those go
    there."""
    if not _has_offset(raw):
        return None
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    try:
        when = as_utc(parsed)
    except (ValueError, OverflowError):
        return None
    return when if 1 < when.year < 9999 else None


def _plain_signal(data: Any, observed_at: serializers.Field) -> dict[str, Any] | None:
    """The validated signal when ``data`` is plainly valid (the same value DRF's path gives),
    else None to let DRF's path accept or refuse it."""
    if type(data) is not dict:
        return None
    kind, source, external_id = data.get("kind"), data.get("source"), data.get("external_id")
    if type(kind) is not str or kind not in _KINDS:
        return None
    if not _plain_text(source, longest=100, blank=False, trimmed=True):
        return None
    if not _plain_text(external_id, longest=200, blank=False, trimmed=True):
        return None
    raw_time = data.get("observed_at")
    if type(raw_time) is not str:
        return None
    when = _plain_time(raw_time)
    if when is None:
        try:
            when = observed_at.to_internal_value(raw_time)
        except serializers.ValidationError:
            return None
    checked: dict[str, Any] = {
        "kind": kind,
        "source": source,
        "external_id": external_id,
        "observed_at": when,
    }
    if "audience" in data:
        audience = data["audience"]
        if audience is not None and (
            type(audience) is not int or not ID["min_value"] <= audience <= ID["max_value"]
        ):
            return None
        checked["audience"] = audience
    for name, longest, trimmed in (
        ("topic", 100, True),
        ("text", 2200, False),
        ("post_external_id", 200, True),
    ):
        if name in data:
            if not _plain_text(data[name], longest=longest, blank=True, trimmed=trimmed):
                return None
            checked[name] = data[name]
    if "value" in data:
        value = _plain_number(data["value"], -1e12, 1e12)
        if value is None:
            return None
        checked["value"] = value
    else:
        checked["value"] = 1
    if "sentiment" in data:
        sentiment = data["sentiment"]
        if sentiment is not None:
            sentiment = _plain_number(sentiment, -1, 1)
            if sentiment is None:
                return None
        checked["sentiment"] = sentiment
    if "attributes" in data:
        attributes = data["attributes"]
        if type(attributes) is not dict:
            return None
        try:
            checked["attributes"] = _attributes(dict(attributes))
        except serializers.ValidationError:
            return None
    return checked


class SignalBatchSerializer(serializers.Serializer):
    signals = serializers.ListField(
        child=SignalInputSerializer(), min_length=1, max_length=MAX_BATCH
    )


class SignalIngestOutcomeSerializer(serializers.Serializer):
    created = serializers.ListField(
        child=serializers.IntegerField(), help_text="Indexes of the signals stored now."
    )
    duplicates = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Indexes of the signals stored before (same source and external_id); "
        "left as they were.",
    )


class SignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.CharField()
    external_id = serializers.CharField()
    audience = serializers.IntegerField(source="audience_id", allow_null=True)
    topic = serializers.CharField()
    value = serializers.FloatField()
    sentiment = serializers.FloatField(allow_null=True)
    text = serializers.CharField()
    post_external_id = serializers.CharField()
    from_own_output = serializers.BooleanField()
    injection_signals = serializers.ListField(child=serializers.DictField())
    attributes = serializers.DictField()
    observed_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()


class AggregateRowSerializer(serializers.Serializer):
    bucket = serializers.DateTimeField(help_text="Start of the hour or brand-local day.")
    group = serializers.DictField(help_text="The values of the ``by`` fields.")
    count = serializers.IntegerField()
    sum = serializers.FloatField()
    mean = serializers.FloatField()
    sentiment = serializers.FloatField(allow_null=True, help_text="Mean sentiment, if scored.")
    negative = serializers.IntegerField()
    positive = serializers.IntegerField()
    share = serializers.FloatField(help_text="Share of the bucket's signals (0-1).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The active zone, read once per answer (it sits behind a context-local, slow per row).
        self._zone: Any = None

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        # Written out rather than DRF's walk over the fields (an attribute lookup and checks
        # per field and row): a 28-day answer by topic is ~560 rows, and that walk cost more
        # than the query (bench/ "28-day aggregate"). tests/listening/test_aggregates.py holds
        # this to the declared fields.
        if self._zone is None:
            self._zone = timezone.get_current_timezone()
        bucket = row["bucket"].astimezone(self._zone).isoformat()  # as DRF's DateTimeField
        sentiment = row["sentiment"]
        return {
            "bucket": bucket[:-6] + "Z" if bucket.endswith("+00:00") else bucket,
            "group": {str(name): value for name, value in row["group"].items()},
            "count": int(row["count"]),
            "sum": float(row["sum"]),
            "mean": float(row["mean"]),
            "sentiment": None if sentiment is None else float(sentiment),
            "negative": int(row["negative"]),
            "positive": int(row["positive"]),
            "share": float(row["share"]),
        }


class SegmentRuleSerializer(serializers.ModelSerializer):
    days = serializers.IntegerField(min_value=1, max_value=366, required=False, default=28)
    percent = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="top_engagement: the top share of members by engagement.",
    )
    from_hour = serializers.IntegerField(
        min_value=0,
        max_value=23,
        required=False,
        allow_null=True,
        help_text="active_hours: first hour of the brand's day (20 with to_hour 2 wraps).",
    )
    to_hour = serializers.IntegerField(
        min_value=0, max_value=23, required=False, allow_null=True, help_text="Hour it ends."
    )
    topic = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="mentions_topic: the topic."
    )

    class Meta:
        model = SegmentRule
        fields = ["id", "kind", "days", "percent", "from_hour", "to_hour", "topic", "created_at"]
        read_only_fields = ["id", "created_at"]


class SegmentActivitySerializer(serializers.Serializer):
    audience = serializers.IntegerField(source="audience.pk")
    name = serializers.CharField(source="audience.name")
    active_hours = serializers.ListField(
        child=serializers.CharField(), source="audience.active_hours"
    )
    days = serializers.IntegerField()
    signals = serializers.IntegerField()
    histogram = serializers.ListField(
        child=serializers.IntegerField(), help_text="Signals per hour of the brand's day, 0-23."
    )
    suggested_active_hours = serializers.ListField(child=serializers.CharField())
    next_active_at = serializers.DateTimeField(allow_null=True)
    rules = SegmentRuleSerializer(many=True)
    members_seen = serializers.IntegerField(
        help_text="Members (the signals' ``member`` attribute) seen in the rules' period."
    )
    size = serializers.IntegerField(
        allow_null=True, help_text="Members meeting every rule now; null without rules."
    )


class TriggerSerializer(serializers.ModelSerializer):
    # Uniqueness is the service's (race-safe) job: a duplicate is a 409, not a 400.
    name = serializers.CharField(max_length=200)
    audience = serializers.IntegerField(**ID, source="audience_id", required=False, allow_null=True)
    channel = serializers.IntegerField(**ID, source="channel_id", required=False, allow_null=True)
    plan_pillar = serializers.IntegerField(
        **ID,
        source="plan_pillar_id",
        required=False,
        allow_null=True,
        help_text="plan_item: the planning pillar the item goes under.",
    )
    calendar_event = serializers.IntegerField(
        **ID,
        source="calendar_event_id",
        required=False,
        allow_null=True,
        help_text="calendar_event: the plan's event or campaign to watch (any when not given).",
    )
    lead_days = serializers.IntegerField(
        min_value=0,
        max_value=90,
        required=False,
        allow_null=True,
        help_text="calendar_event: fire this many days before the event starts (0: on the "
        "day); a running event fires it too.",
    )
    kpi = serializers.IntegerField(
        **ID,
        source="kpi_id",
        required=False,
        allow_null=True,
        help_text="kpi_off_track: the KPI to watch.",
    )
    kpi_off_by_percent = StrictFloatField(
        min_value=0,
        max_value=1000,
        required=False,
        allow_null=True,
        help_text="kpi_off_track: how far past its target (percent of the target) the current "
        "period must be heading; 10 when not given.",
    )
    threshold = serializers.IntegerField(
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text="Signals the window must hold (threshold and baseline conditions); 1 when "
        "not given.",
    )
    window_minutes = serializers.IntegerField(
        min_value=1, max_value=7 * 24 * 60, required=False, help_text="60 when not given."
    )
    cooldown_minutes = serializers.IntegerField(min_value=5, max_value=30 * 24 * 60)
    min_z_score = StrictFloatField(
        min_value=1,
        max_value=20,
        required=False,
        allow_null=True,
        help_text="baseline: how many standard deviations above the same-length windows of "
        "the last 28 days the window's count must be.",
    )
    absence_days = serializers.IntegerField(
        min_value=1,
        max_value=90,
        required=False,
        allow_null=True,
        help_text="absence: days without a published post on ``channel``.",
    )
    severity = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text="crisis: the severity the warning suggests.",
    )
    boost_budget = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        help_text="boost: what the proposed boost may spend, in the brand's currency.",
    )
    boost_days = serializers.IntegerField(
        min_value=1,
        max_value=30,
        required=False,
        allow_null=True,
        help_text="boost: how many days it runs.",
    )

    class Meta:
        model = Trigger
        fields = ["id", *TRIGGER_FIELDS, "last_fired_at", "created_at"]
        read_only_fields = ["id", "last_fired_at", "created_at"]

    def values(self) -> dict[str, Any]:
        """The validated fields as the services take them (``audience``/``channel`` ids)."""
        data = dict(self.validated_data)
        for name in ("audience", "channel", "plan_pillar", "calendar_event", "kpi"):
            if f"{name}_id" in data:
                data[name] = data.pop(f"{name}_id")
        return data


class WouldFireSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    matched = serializers.IntegerField()


class DryRunSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    would_fire = WouldFireSerializer(many=True)


class TriggerFiringSerializer(serializers.ModelSerializer):
    brief = serializers.IntegerField(source="brief_id", allow_null=True)
    job = serializers.IntegerField(source="job_id", allow_null=True)
    warning = serializers.IntegerField(source="warning_id", allow_null=True)

    class Meta:
        model = TriggerFiring
        fields = [
            "id",
            "fired_at",
            "matched",
            "inputs",
            "target_at",
            "outcome",
            "detail",
            "brief",
            "job",
            "warning",
            "boost_id",
            "plan_item_id",
        ]


class CrisisWarningSerializer(serializers.ModelSerializer):
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    incident = serializers.IntegerField(source="incident_id", allow_null=True)

    class Meta:
        model = CrisisWarning
        fields = [
            "id",
            "severity",
            "evidence",
            "status",
            "raised_at",
            "updated_at",
            "decided_by",
            "decided_at",
            "incident",
        ]


class ConfirmWarningSerializer(serializers.Serializer):
    severity = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        help_text="The incident's severity; the suggested one when not given.",
    )


class TriggerAlertSerializer(serializers.ModelSerializer):
    trigger = serializers.IntegerField(source="firing.trigger_id")
    trigger_name = serializers.CharField(source="firing.trigger.name")
    firing = serializers.IntegerField(source="firing_id")
    on_duty = serializers.ListField(
        child=serializers.IntegerField(),
        source="on_duty_ids",
        help_text="Who was on duty when it fired (empty: nobody; the leads see it).",
    )
    acknowledged_by = serializers.IntegerField(source="acknowledged_by_id", allow_null=True)

    class Meta:
        model = TriggerAlert
        fields = [
            "id",
            "trigger",
            "trigger_name",
            "firing",
            "title",
            "evidence",
            "raised_at",
            "on_duty",
            "status",
            "acknowledged_by",
            "acknowledged_at",
        ]
