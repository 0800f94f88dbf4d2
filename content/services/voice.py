"""The brand voice (immutable versions) and the audiences the brand speaks to."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from content.errors import ContentError
from content.models import AssistantSettings, AudienceProfile, BrandVoice

VOICE_FIELDS = (
    "tone",
    "personality",
    "dos",
    "donts",
    "banned_phrases",
    "required_disclosures",
    "emoji_policy",
    "max_hashtags",
    "hashtags",
    "reading_level",
    "locale",
    "good_examples",
    "bad_examples",
    "allowed_domains",
    "allowed_handles",
    "sensitive_topics",
    "competitors",
)


def create_voice_version(*, created_by: Any = None, **fields: Any) -> BrandVoice:
    """Record a new version of the brand voice; fields not given carry over from the current one.

    Versions are immutable so drafts can name the one they were written with.
    """
    unknown = set(fields) - set(VOICE_FIELDS)
    if unknown:
        raise ContentError(f"Unknown voice fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        # Serialise concurrent edits on the settings row so versions stay gapless and unique.
        AssistantSettings.objects.get_or_create(singleton=True)
        AssistantSettings.objects.select_for_update().get(singleton=True)
        current = BrandVoice.objects.order_by("-version").first()
        carried = {f: getattr(current, f) for f in VOICE_FIELDS} if current else {}
        if current is None:
            # A brand's first voice writes in the brand's own language unless told otherwise.
            brand_locale = getattr(getattr(connection, "tenant", None), "locale", None)
            if brand_locale:
                carried["locale"] = brand_locale
        carried.update(fields)
        latest = BrandVoice.objects.aggregate(v=Max("version"))["v"] or 0
        return BrandVoice.objects.create(version=latest + 1, created_by=created_by, **carried)


def create_audience(**fields: Any) -> AudienceProfile:
    """Add an audience profile (names are unique per brand)."""
    try:
        with transaction.atomic():
            return AudienceProfile.objects.create(**fields)
    except IntegrityError:
        raise ContentError(
            f"The brand already has an audience called '{fields.get('name')}'.",
            field="name",
            status_code=409,
            code="duplicate",
        ) from None


def update_audience(*, audience: AudienceProfile, **changes: Any) -> AudienceProfile:
    """Change an audience profile."""
    for field, value in changes.items():
        setattr(audience, field, value)
    try:
        with transaction.atomic():
            audience.save()
    except IntegrityError:
        raise ContentError(
            f"The brand already has an audience called '{audience.name}'.",
            field="name",
            status_code=409,
            code="duplicate",
        ) from None
    return audience


def delete_audience(*, audience: AudienceProfile) -> None:
    """Remove an audience profile (briefs and drafts keep their text, lose the link)."""
    audience.delete()
