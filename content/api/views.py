"""Brand API for content set-up; thin: validate, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.serializers import BaseSerializer

from content import selectors, services
from content.api.serializers import ChannelSerializer
from content.models import Channel
from tenants.permissions import BrandScopedMixin


class ChannelViewSet(BrandScopedMixin, viewsets.ModelViewSet):
    """The brand's accounts on social networks and each one's posting rules."""

    serializer_class = ChannelSerializer
    read_action = "content.read"
    write_action = "voice.write"
    filterset_fields = ["network"]
    ordering_fields = ["created_at", "handle"]

    def get_queryset(self) -> Any:
        return selectors.channels()

    def perform_create(self, serializer: BaseSerializer[Channel]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.create_channel(**data)

    def perform_update(self, serializer: BaseSerializer[Channel]) -> None:
        changes = {k: v for k, v in serializer.validated_data.items() if v is not None}
        serializer.instance = services.update_channel(channel=serializer.instance, **changes)

    def perform_destroy(self, instance: Channel) -> None:
        services.delete_channel(channel=instance)
