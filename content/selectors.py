"""Reads over a brand's content. Runs inside the brand's schema."""

from __future__ import annotations

from django.db.models import QuerySet

from content.models import Channel


def channels() -> QuerySet[Channel]:
    """The brand's channels."""
    return Channel.objects.all()
