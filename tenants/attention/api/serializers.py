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
