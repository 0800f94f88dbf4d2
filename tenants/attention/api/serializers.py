"""Shapes of the attention cockpit's answers and its query."""

from __future__ import annotations

from rest_framework import serializers

from tenants.attention.models import AttentionKind


class AttentionQuerySerializer(serializers.Serializer):
    brand = serializers.SlugField(required=False, help_text="Only this brand (its slug).")
    kind = serializers.ChoiceField(choices=AttentionKind.choices, required=False)
    overdue = serializers.BooleanField(
        required=False,
        help_text="true: only what is past its due time; false: only what is not.",
    )


class AttentionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    brand = serializers.CharField(source="brand_slug", help_text="The brand's slug.")
    brand_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=AttentionKind.choices)
    source_id = serializers.IntegerField(help_text="The thing's id within its brand.")
    title = serializers.CharField()
    link = serializers.CharField(help_text="Where to act on it (a path on this site).")
    since = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    age_seconds = serializers.IntegerField(help_text="How long it has been waiting.")


class BrandCountsSerializer(serializers.Serializer):
    brand = serializers.CharField(source="brand.slug")
    name = serializers.CharField(source="brand.name")
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    kinds = serializers.DictField(child=serializers.IntegerField())


class AttentionCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    brands = BrandCountsSerializer(many=True)


class AttentionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    counts = AttentionCountsSerializer(help_text="Everything matching, not only this page.")
    results = AttentionRowSerializer(many=True)


class ReadinessQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(
        required=False, default=12, min_value=1, max_value=104, help_text="Weeks back (1-104)."
    )


class ReadinessWeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The week's Monday (brand time).")
    overall = serializers.IntegerField(allow_null=True, help_text="0-100.")
    scores = serializers.DictField(
        child=serializers.IntegerField(), help_text="Criterion key -> 0-100."
    )


class AgencyReadinessWeekSerializer(ReadinessWeekSerializer):
    brands = serializers.IntegerField(help_text="Brands measured that week.")


class BrandReadinessSerializer(serializers.Serializer):
    brand = serializers.CharField(help_text="The brand's slug.")
    name = serializers.CharField()
    latest = ReadinessWeekSerializer(allow_null=True, help_text="Null: not measured yet.")


class AgencyReadinessSerializer(serializers.Serializer):
    agency = serializers.CharField()
    overall = serializers.IntegerField(
        allow_null=True, help_text="The mean of the brands' latest overall scores."
    )
    brands = BrandReadinessSerializer(many=True)
    history = AgencyReadinessWeekSerializer(
        many=True, help_text="Per week, the mean over the brands measured, oldest first."
    )
