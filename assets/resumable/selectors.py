"""Reading a resumable upload's progress. An upload belongs to whoever started it (a person, or
an integrator's API key): anyone else, in the brand or not, finds nothing."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from assets.errors import NotFound, UploadGone
from assets.models import ResumableUpload
from tenants.models import User


def uploads_of(*, actor: User | None, actor_key_id: int | None) -> QuerySet[ResumableUpload]:
    """The uploads this person started, or this API key when one is acting (in the current
    brand's schema)."""
    if actor_key_id is not None:
        return ResumableUpload.objects.filter(created_by_key_id=actor_key_id)
    if actor is None:
        return ResumableUpload.objects.none()
    return ResumableUpload.objects.filter(created_by_key_id__isnull=True, created_by_id=actor.pk)


def upload_progress(
    *,
    token: uuid.UUID,
    actor: User | None,
    actor_key_id: int | None = None,
    now: datetime | None = None,
) -> ResumableUpload:
    """Where an upload stands (404 when it is not the uploader's, 410 once it expired)."""
    mine = uploads_of(actor=actor, actor_key_id=actor_key_id)
    upload = mine.filter(token=token).first()
    if upload is None:
        raise NotFound(f"Upload {token} does not exist.")
    if upload.expires_at <= (now or timezone.now()):
        raise UploadGone(
            f"Upload {token} expired at {upload.expires_at:%Y-%m-%d %H:%M} UTC; start again.",
            field="Upload-Offset",
        )
    return upload
