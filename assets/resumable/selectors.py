"""Reading a resumable upload's progress. An upload belongs to whoever started it (a person, or
an integrator's API key): anyone else, in the brand or not, finds nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from assets.errors import NotFound, UploadGone
from assets.models import ResumableUpload
from tenants.models import User


@dataclass(frozen=True)
class Uploader:
    """Who sends the pieces: a person, or an API key (``key_id``) with the person who made it."""

    person: User | None
    key_id: int | None = None


def uploads_of(*, uploader: Uploader) -> QuerySet[ResumableUpload]:
    """The uploads this person or key started (in the current brand's schema)."""
    if uploader.key_id is not None:
        return ResumableUpload.objects.filter(created_by_key_id=uploader.key_id)
    if uploader.person is None:
        return ResumableUpload.objects.none()
    return ResumableUpload.objects.filter(
        created_by_key_id__isnull=True, created_by_id=uploader.person.pk
    )


def upload_progress(
    *, token: uuid.UUID, uploader: Uploader, now: datetime | None = None
) -> ResumableUpload:
    """Where an upload stands (404 when it is not the uploader's, 410 once it expired)."""
    upload = uploads_of(uploader=uploader).select_related("asset").filter(token=token).first()
    if upload is None:
        raise NotFound(f"Upload {token} does not exist.")
    if upload.expires_at <= (now or timezone.now()):
        raise UploadGone(
            f"Upload {token} expired at {upload.expires_at:%Y-%m-%d %H:%M} UTC; start again.",
            field="Upload-Offset",
        )
    return upload
