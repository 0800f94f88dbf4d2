from rest_framework import serializers

from content.models import Channel


class ChannelSerializer(serializers.ModelSerializer):
    max_length = serializers.IntegerField(min_value=1, required=False)
    max_hashtags = serializers.IntegerField(min_value=0, required=False)
    links_allowed = serializers.BooleanField(required=False, allow_null=True, default=None)

    class Meta:
        model = Channel
        fields = [
            "id",
            "network",
            "handle",
            "name",
            "max_length",
            "max_hashtags",
            "links_allowed",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
