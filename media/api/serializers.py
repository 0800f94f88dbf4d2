"""Shapes of the paid-media API. Validation of input types only; rules live in services."""

from __future__ import annotations

import re
from datetime import date

from rest_framework import serializers

from assets.api.serializers import AssetSerializer, AttachmentSerializer, WarningSerializer
from content.networks import Network
from media.models import SPEND, Boost, BoostAlert, BoostAsset, MetricSnapshot
from media.money import round_money
from media.services.boosts import MAX_BOOST_DAYS, MAX_BOOST_LEAD

STARTS_AT_HELP = f"Now or later, and at most {MAX_BOOST_LEAD.days} days ahead."
ENDS_AT_HELP = f"After the start and at most {MAX_BOOST_DAYS} days after it."

AMOUNT = {"max_digits": 15, "decimal_places": 3}
# The largest count a PositiveBigIntegerField (PostgreSQL bigint) holds: past it the database
# refuses the row, so the API refuses the number first and names the field.
BIGINT_MAX = 2**63 - 1
COUNT = {"min_value": 0, "max_value": BIGINT_MAX, "default": 0}
# Output figures are already rounded by media.money; render them exactly as they are.
OUT = {"max_digits": None, "decimal_places": None}
RATIO = {**OUT, "allow_null": True}


class BoostSerializer(serializers.ModelSerializer):
    budget_total = serializers.DecimalField(**OUT, read_only=True)
    daily_cap = serializers.DecimalField(**OUT, read_only=True, allow_null=True)

    def to_representation(self, instance: Boost) -> dict[str, object]:
        body = super().to_representation(instance)
        # Amounts in the currency's own minor unit: 500.00 EUR, 500 JPY.
        for name in ("budget_total", "daily_cap"):
            value = getattr(instance, name)
            body[name] = None if value is None else str(round_money(value, instance.currency))
        return body

    audience = serializers.IntegerField(
        source="audience_id", allow_null=True, help_text="The brand's audience profile (id)."
    )
    audience_name = serializers.CharField(
        source="audience.name", allow_null=True, default=None, read_only=True
    )

    class Meta:
        model = Boost
        fields = [
            "id",
            "draft_id",
            "external_post_ref",
            "network",
            "objective",
            "audience",
            "audience_name",
            "audience_ref",
            "targeting",
            "currency",
            "budget_total",
            "daily_cap",
            "starts_at",
            "ends_at",
            "status",
            "pause_reason",
            "crisis_hold",
            "status_note",
            "approval_request_id",
            "approval_note",
            "submitted_at",
            "proposed_by",
            "proposed_by_key_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BoostProposalSerializer(serializers.Serializer):
    """A new boost. Start and end without an offset are read in the brand's time zone."""

    draft_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=BIGINT_MAX
    )
    external_post_ref = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default=""
    )
    network = serializers.ChoiceField(choices=Network.choices)
    objective = serializers.ChoiceField(choices=Boost.Objective.choices)
    audience = serializers.IntegerField(
        source="audience_id",
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=BIGINT_MAX,
        help_text="The brand's audience profile the boost is for (GET .../audiences/).",
    )
    audience_ref = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text="The network's own saved-audience id, if one is used.",
    )
    targeting = serializers.JSONField(required=False, default=dict)
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, help_text="Default: the brand's currency."
    )
    budget_total = serializers.DecimalField(**AMOUNT)
    daily_cap = serializers.DecimalField(**AMOUNT, required=False, allow_null=True)
    starts_at = serializers.DateTimeField(help_text=STARTS_AT_HELP)
    ends_at = serializers.DateTimeField(help_text=ENDS_AT_HELP)
    assets = AttachmentSerializer(
        many=True,
        required=False,
        help_text="The creative: assets of the brand's library in order, with alt text.",
    )

    def validate_targeting(self, value: object) -> object:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Targeting is a JSON object.")
        return value


class BoostChangeSerializer(serializers.Serializer):
    """Changes to a proposed boost; give only what changes. A boost's other fields (its
    currency, status, post, ...) cannot be changed: sending one is a 400 naming it, rather
    than a 200 that silently kept the old value."""

    objective = serializers.ChoiceField(choices=Boost.Objective.choices, required=False)
    audience = serializers.IntegerField(
        source="audience_id", required=False, allow_null=True, min_value=1, max_value=BIGINT_MAX
    )
    audience_ref = serializers.CharField(required=False, allow_blank=True, max_length=200)
    targeting = serializers.JSONField(required=False)
    budget_total = serializers.DecimalField(**AMOUNT, required=False)
    daily_cap = serializers.DecimalField(**AMOUNT, required=False, allow_null=True)
    starts_at = serializers.DateTimeField(required=False, help_text=STARTS_AT_HELP)
    ends_at = serializers.DateTimeField(required=False, help_text=ENDS_AT_HELP)

    def validate_targeting(self, value: object) -> object:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Targeting is a JSON object.")
        return value

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        fixed = [name for name in self.initial_data if name in FIXED_BOOST_FIELDS]
        if fixed:
            raise serializers.ValidationError(
                {
                    name: [
                        serializers.ErrorDetail(
                            f"A boost's {name} cannot be changed.", code=CANNOT_CHANGE
                        )
                    ]
                    for name in fixed
                }
            )
        return attrs


# Fields a boost shows but a change cannot touch, and the error code that says so.
FIXED_BOOST_FIELDS = [
    name for name in BoostSerializer.Meta.fields if name not in BoostChangeSerializer().fields
]
CANNOT_CHANGE = "read_only"


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SnapshotSerializer(serializers.ModelSerializer):
    impressions = serializers.IntegerField(**COUNT)
    reach = serializers.IntegerField(**COUNT)
    clicks = serializers.IntegerField(**COUNT)
    engagements = serializers.IntegerField(**COUNT)
    conversions = serializers.IntegerField(**COUNT)
    # As the column (media.models.SPEND): max_digits bounds it below 10**12.
    spend = serializers.DecimalField(**SPEND, min_value=0, default=0)

    class Meta:
        model = MetricSnapshot
        fields = [
            "id",
            "boost",
            "period_start",
            "period_end",
            "impressions",
            "reach",
            "clicks",
            "engagements",
            "conversions",
            "spend",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "boost", "created_at", "updated_at"]
        # The upsert on the period is the service's job, not a uniqueness error here.
        validators: list[object] = []


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = BoostAlert
        fields = ["id", "boost", "kind", "key", "message", "created_at"]
        read_only_fields = fields


class MonthField(serializers.CharField):
    """A calendar month written YYYY-MM, between years 1970 and 9998.

    Year 0 is no date at all (it was a 500), and the months at either end of Python's calendar
    cannot be turned into instants in a brand's time zone, so budgets stay well inside it."""

    YEARS = (1970, 9998)

    def to_internal_value(self, data: object) -> date:  # type: ignore[override]
        text = super().to_internal_value(data)
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise serializers.ValidationError("Write the month as YYYY-MM.")
        year = int(text[:4])
        if not self.YEARS[0] <= year <= self.YEARS[1]:
            raise serializers.ValidationError(
                f"Give a month between {self.YEARS[0]}-01 and {self.YEARS[1]}-12."
            )
        return date(year, int(text[5:]), 1)

    def to_representation(self, value: date) -> str:  # type: ignore[override]
        return f"{value:%Y-%m}"


class MonthlyBudgetInputSerializer(serializers.Serializer):
    month = MonthField()
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, help_text="Default: the brand's currency."
    )
    amount = serializers.DecimalField(**AMOUNT, min_value=0)


class MonthlyBudgetSerializer(serializers.Serializer):
    month = MonthField()
    currency = serializers.CharField()
    amount = serializers.DecimalField(**OUT)
    committed = serializers.DecimalField(**OUT, read_only=True)
    remaining = serializers.DecimalField(**OUT, read_only=True)


class MediaSettingsSerializer(serializers.Serializer):
    pacing_tolerance_percent = serializers.IntegerField(required=False, min_value=1, max_value=100)


class BoostFiguresSerializer(serializers.Serializer):
    impressions = serializers.IntegerField()
    reach = serializers.IntegerField()
    clicks = serializers.IntegerField()
    engagements = serializers.IntegerField(
        help_text="Reactions, comments, shares and saves, as the network counts them: the "
        "same definition as organic engagements (docs/results.md)."
    )
    conversions = serializers.IntegerField()
    spend = serializers.DecimalField(**OUT)
    cpm = serializers.DecimalField(**RATIO)
    cpc = serializers.DecimalField(**RATIO)
    ctr_percent = serializers.DecimalField(**RATIO)
    results = serializers.IntegerField(
        help_text="What the boost's objective counts: reach, engagements, clicks (traffic) or "
        "conversions. Over several boosts, each boost's own results summed, so a report over "
        "boosts adds up the boosts' reports."
    )
    cost_per_result = serializers.DecimalField(**RATIO)


class PacingSerializer(serializers.Serializer):
    status = serializers.CharField()
    spend = serializers.DecimalField(**OUT)
    expected_spend = serializers.DecimalField(**OUT)
    ratio = serializers.DecimalField(**RATIO)
    elapsed_share = serializers.DecimalField(**OUT)
    projected_end_spend = serializers.DecimalField(**RATIO)


class BoostReportSerializer(serializers.Serializer):
    boost = BoostSerializer()
    currency = serializers.CharField(source="boost.currency")
    snapshots = serializers.IntegerField()
    figures = BoostFiguresSerializer()
    pacing = PacingSerializer()


class CurrencyTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    boosts = serializers.IntegerField()
    budget = serializers.DecimalField(**OUT)
    figures = BoostFiguresSerializer()


class PeriodTotalsSerializer(serializers.Serializer):
    period = serializers.DateField()
    currency = serializers.CharField()
    figures = BoostFiguresSerializer()


class BrandReportSerializer(serializers.Serializer):
    period_from = serializers.DateField(allow_null=True)
    period_to = serializers.DateField(allow_null=True)
    timezone = serializers.CharField()
    group = serializers.CharField(allow_null=True)
    by_currency = CurrencyTotalsSerializer(many=True)
    by_period = PeriodTotalsSerializer(many=True)


class BoostAssetSerializer(serializers.ModelSerializer):
    asset = AssetSerializer()

    class Meta:
        model = BoostAsset
        fields = ["position", "alt_text", "asset"]
        read_only_fields = fields


class BoostAssetsSerializer(serializers.Serializer):
    boost = serializers.IntegerField()
    assets = BoostAssetSerializer(many=True)
    warnings = WarningSerializer(many=True)
