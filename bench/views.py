"""A view that exists only for benchmarks: the single-schema baseline. Not product code."""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated

from content.api.views import ChannelViewSet


class SingleSchemaChannelList(ChannelViewSet):
    """The brand channel list with tenancy taken away: no brand routing, no membership check.

    Served from a copy of the same rows in the public schema, so the only difference from
    ``/brands/<slug>/api/v1/channels/`` is what tenancy adds to a request.
    """

    permission_classes = [IsAuthenticated]
