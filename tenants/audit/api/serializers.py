from __future__ import annotations

from rest_framework import serializers

from tenants.audit.models import AuditEntry


class TrailEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "action",
            "actor_kind",
            "actor_user_id",
            "actor_api_key_id",
            "actor_label",
            "subject_kind",
            "subject_id",
            "subject_label",
            "before",
            "after",
            "detail",
        ]
        read_only_fields = fields
