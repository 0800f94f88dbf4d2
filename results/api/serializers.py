"""Request and response shapes of the results API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from brandroom.datetimes import OFFSET_HINT, as_utc

# Counters fit a bigint with room to add a year of them up.
COUNT = {"min_value": 0, "max_value": 10**15, "default": 0}


class AwareDateTimeField(serializers.DateTimeField):
    """A time with its UTC offset (a bare local time is ambiguous for a network's clock)."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str) and value and not _has_offset(value):
            raise serializers.ValidationError(OFFSET_HINT, code="invalid")
        parsed = super().to_internal_value(value)
        try:
            return as_utc(parsed)
        except (ValueError, OverflowError):
            raise serializers.ValidationError(OFFSET_HINT, code="invalid") from None


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith(("Z", "z")) or "+" in tail or "-" in tail


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
