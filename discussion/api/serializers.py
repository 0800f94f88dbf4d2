from __future__ import annotations

from typing import Any

from rest_framework import serializers

from discussion.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "subject_kind", "subject_id", "author", "body", "mentions", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    draft = serializers.IntegerField(required=False, min_value=1, help_text="The draft's id.")
    boost = serializers.IntegerField(required=False, min_value=1, help_text="The boost's id.")
    body = serializers.CharField(
        max_length=5000,
        help_text="The note; '@username' notifies that member of the agency team by email.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("draft" in attrs) == ("boost" in attrs):
            raise serializers.ValidationError({"draft": "Name either a draft or a boost."})
        return attrs


class NoteAddedSerializer(NoteSerializer):
    not_notified = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Mentions that notified nobody, each with why.",
    )

    class Meta(NoteSerializer.Meta):
        fields = [*NoteSerializer.Meta.fields, "not_notified"]
        read_only_fields = fields


class NoteQuerySerializer(serializers.Serializer):
    draft = serializers.IntegerField(required=False, min_value=1)
    boost = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("draft" in attrs) == ("boost" in attrs):
            raise serializers.ValidationError(
                {"draft": "List the notes of one draft (?draft=) or one boost (?boost=)."}
            )
        return attrs
