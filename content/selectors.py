"""Reads over a brand's content. Runs inside the brand's schema."""

from __future__ import annotations

from django.db.models import QuerySet

from content.models import Channel, Draft


def channels() -> QuerySet[Channel]:
    """The brand's channels."""
    return Channel.objects.all()


def get_draft(*, draft_id: int) -> Draft:
    """One draft with its channel (raises Draft.DoesNotExist)."""
    return Draft.objects.select_related("channel").get(pk=draft_id)
