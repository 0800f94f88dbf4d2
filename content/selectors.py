"""Reads over a brand's content. Runs inside the brand's schema."""

from __future__ import annotations

from django.db.models import QuerySet

from content.models import (
    AudienceProfile,
    BrandVoice,
    Brief,
    Channel,
    Draft,
    GenerationJob,
    InboxItem,
)


def channels() -> QuerySet[Channel]:
    """The brand's channels."""
    return Channel.objects.all()


def get_draft(*, draft_id: int) -> Draft:
    """One draft with its channel (raises Draft.DoesNotExist)."""
    return Draft.objects.select_related("channel").get(pk=draft_id)


def voice_versions() -> QuerySet[BrandVoice]:
    """Every version of the brand voice."""
    return BrandVoice.objects.all()


def current_voice() -> BrandVoice | None:
    """The brand voice new drafts are written with (the latest version), if any."""
    return BrandVoice.objects.order_by("-version").first()


def audiences() -> QuerySet[AudienceProfile]:
    """The brand's audience profiles."""
    return AudienceProfile.objects.all()


def briefs() -> QuerySet[Brief]:
    """The brand's briefs with their audience and channels."""
    return Brief.objects.select_related("audience").prefetch_related("channels")


def inbox_items() -> QuerySet[InboxItem]:
    """Incoming comments, mentions and messages."""
    return InboxItem.objects.select_related("channel")


def drafts() -> QuerySet[Draft]:
    """The brand's drafts with what they were written for."""
    return Draft.objects.select_related("channel")


def jobs() -> QuerySet[GenerationJob]:
    """Generation jobs with the drafts they delivered."""
    return GenerationJob.objects.prefetch_related("drafts")
