from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from integrations.events import EventType
from integrations.models import Delivery, DeliveryAttempt, Event, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        help_text="Event types to receive; empty or missing means every type.",
    )
    held_deliveries = serializers.IntegerField(
        read_only=True,
        default=0,
        help_text=(
            "Events recorded while the endpoint was disabled, kept for it: after re-enabling, "
            "send them with POST .../endpoints/{id}/redeliver/."
        ),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "status",
            "consecutive_failures",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "held_deliveries",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "consecutive_failures",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret, shown only in this response."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False
    )
    status = serializers.ChoiceField(
        choices=WebhookEndpoint.Status.choices,
        required=False,
        help_text="'active' re-enables a disabled endpoint; 'disabled' pauses it.",
    )


class RedeliverSinceSerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        help_text="Redeliver every event recorded at or after this time that the endpoint did "
        "not get: deliveries held while it was disabled, and events whose last delivery failed."
    )

    def validate_since(self, value: datetime) -> datetime:
        if value > timezone.now():
            raise serializers.ValidationError("Must not be in the future.")
        return value


class RedeliveredSerializer(serializers.Serializer):
    released = serializers.IntegerField(help_text="Held deliveries now on their way.")
    redelivered = serializers.IntegerField(help_text="Failed deliveries sent again.")


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "status_code", "error", "response_excerpt", "duration_ms", "created_at"]


class DeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.type", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "redelivery_of",
            "created_at",
            "finished_at",
            "attempt_log",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    data = serializers.DictField(read_only=True)

    class Meta:
        model = Event
        fields = ["id", "type", "data", "created_at"]
        read_only_fields = fields


class EventTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
