"""Views that exist only for benchmarks: a single-schema baseline and a drafts list stand-in.

Neither is product code. The drafts view stands in for the brand's ``/drafts/`` endpoint until
the content task adds it; ``bench.figures.drafts.drafts_list_path`` switches to the real one
(URL name ``draft-list``) as soon as it exists.
"""

from __future__ import annotations

from typing import Any

from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from content.api.views import ChannelViewSet
from content.models import Draft
from tenants.permissions import BrandScopedMixin


class SingleSchemaChannelList(ChannelViewSet):
    """The brand channel list with tenancy taken away: no brand routing, no membership check.

    Served from a copy of the same rows in the public schema, so the only difference from
    ``/brands/<slug>/api/v1/channels/`` is what tenancy adds to a request.
    """

    permission_classes = [IsAuthenticated]


class DraftListSerializer(serializers.ModelSerializer):
    channel_handle = serializers.CharField(source="channel.handle", default=None, read_only=True)

    class Meta:
        model = Draft
        fields = [
            "id",
            "kind",
            "channel",
            "channel_handle",
            "text",
            "status",
            "version",
            "parent",
            "risk_score",
            "risk_reasons",
            "flags",
            "created_by",
            "created_at",
            "updated_at",
        ]


class BenchDraftList(BrandScopedMixin, generics.ListAPIView):
    """A minimal brand drafts list: brand routing, BrandPermission, cursor pages, one query."""

    serializer_class = DraftListSerializer
    read_action = "content.read"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return Draft.objects.select_related("channel")
