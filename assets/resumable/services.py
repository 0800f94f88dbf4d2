"""Receiving a large file in pieces: start an upload, take its pieces in order, give it up, and
sweep away the ones left unfinished. The finished file becomes an asset through
``assets.services.upload_asset``, exactly as a multipart upload does."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from psycopg import errors as pg_errors

from assets import services as asset_services
from assets.errors import (
    AssetsError,
    FileTooLarge,
    NotFound,
    UploadBusy,
    UploadGone,
    UploadOffsetMismatch,
)
from assets.models import ResumableUpload
from assets.resumable import pieces
from assets.resumable.selectors import uploads_of
from tenants.models import User
from tenants.selectors import current_schema_name

logger = logging.getLogger(__name__)


MAX_NAME = 200


def _expiry(now: datetime) -> datetime:
    return now + timedelta(hours=settings.ASSET_RESUMABLE_EXPIRY_HOURS)


def start_upload(
    *,
    length: int,
    filename: str,
    declared_type: str,
    name: str,
    tags: list[str],
    keep_metadata: bool,
    actor: User | None,
    actor_key_id: int | None = None,
    now: datetime | None = None,
) -> ResumableUpload:
    """Open a resumable upload of ``length`` bytes. A length over what any asset may be (or,
    for a file that says it is an image, over the image limit) is a 413 at once, before a byte
    is sent; the type is still judged from the bytes once they are all there."""
    if length <= 0:
        raise AssetsError("An upload needs a length of at least one byte.", field="Upload-Length")
    limit = settings.ASSET_UPLOAD_MAX_BYTES
    what = "a file"
    if declared_type.startswith("image/"):
        limit, what = settings.ASSET_IMAGE_MAX_BYTES, "images"
    if length > limit:
        raise FileTooLarge(
            f"The file is {length:,} bytes; {what} may be at most {limit:,} bytes.",
            field="Upload-Length",
        )
    name = asset_services.clean_label(text=name)
    if len(name) > MAX_NAME:
        # As the multipart upload says of a name too long, rather than cut it silently.
        raise AssetsError(
            f"Upload-Metadata: the name may be at most {MAX_NAME} characters "
            f"(it has {len(name):,}).",
            field="Upload-Metadata",
        )
    return ResumableUpload.objects.create(
        token=uuid.uuid4(),
        length=length,
        filename=asset_services.clean_label(text=filename)[:200],
        declared_type=asset_services.clean_label(text=declared_type)[:100],
        name=name,
        tags=asset_services.clean_tags(tags=tags),
        keep_metadata=keep_metadata,
        created_by=actor,
        created_by_key_id=actor_key_id,
        expires_at=_expiry(now or timezone.now()),
    )


@dataclass(frozen=True)
class PieceOutcome:
    """Where the upload stands after a piece; ``upload.asset`` once it is finished."""

    upload: ResumableUpload
    received: int
    interrupted: bool


def receive_piece(
    *,
    token: uuid.UUID,
    offset: int,
    stream: IO[bytes],
    size: int | None,
    actor: User | None,
    actor_key_id: int | None = None,
    now: datetime | None = None,
) -> PieceOutcome:
    """Append a piece that starts at ``offset`` (409 unless that is where the upload stands).
    A piece that would run past the declared length is a 413 and changes nothing; a sender that
    goes away mid-piece keeps what arrived. The last byte turns the upload into an asset with
    the same checks as a multipart upload; a file those checks refuse ends the upload (the
    refusal is raised, and neither the upload nor its bytes are kept).

    The upload's row is locked while the piece is written, so a second piece sent at the same
    time is a 423 at once and never interleaves with the first."""
    now = now or timezone.now()
    path = pieces.path_of(schema=current_schema_name(), token=token)
    refused: AssetsError | None = None
    with transaction.atomic():
        upload = _locked(token=token, actor=actor, actor_key_id=actor_key_id, now=now)
        if offset != upload.offset:
            raise UploadOffsetMismatch(
                f"The upload stands at byte {upload.offset}; a piece starting at {offset} does "
                "not fit. Ask where it stands (HEAD) and send from there.",
                field="Upload-Offset",
            )
        if upload.complete:
            # A finished upload's last request sent again: it already made its asset.
            return PieceOutcome(upload=upload, received=0, interrupted=False)
        room = upload.length - upload.offset
        if size is not None and size > room:
            raise FileTooLarge(
                f"The piece is {size:,} bytes but only {room:,} of the upload's "
                f"{upload.length:,} remain.",
                field="Upload-Length",
            )
        try:
            received, interrupted = pieces.write_piece(
                path=path, offset=offset, stream=stream, most=room
            )
        except pieces.PiecesLost as lost:
            logger.warning("Resumable upload %s lost its bytes: %s", token, lost)
            upload.delete()
            refused = UploadGone(
                "The bytes received so far are no longer on this server; start the upload again.",
                field="Upload-Offset",
            )
        else:
            if received > room:
                raise FileTooLarge(
                    f"The piece runs past the upload's length of {upload.length:,} bytes.",
                    field="Upload-Length",
                )
            upload.offset += received
            upload.expires_at = _expiry(now)
            upload.save(update_fields=["offset", "expires_at"])
            if upload.complete:
                refused = _finish(upload=upload, path=path)
    if refused is not None:
        pieces.remove(path=path)
        raise refused
    return PieceOutcome(upload=upload, received=received, interrupted=interrupted)


def _finish(*, upload: ResumableUpload, path: Any) -> AssetsError | None:
    """Turn the complete file into an asset (the row is locked by the caller). Returns the
    refusal when the asset checks say no, having deleted the upload's row."""
    try:
        with transaction.atomic(), pieces.open_finished(path=path) as finished:
            asset = asset_services.upload_asset(
                file=finished,
                size=upload.length,
                name=upload.name or upload.filename or "upload",
                tags=list(upload.tags),
                keep_metadata=upload.keep_metadata,
                created_by=upload.created_by,
                created_by_key_id=upload.created_by_key_id,
            )
    except AssetsError as refusal:
        upload.delete()
        return refusal
    upload.asset = asset
    upload.save(update_fields=["asset"])
    transaction.on_commit(lambda: pieces.remove(path=path))
    return None


def terminate_upload(
    *, token: uuid.UUID, actor: User | None, actor_key_id: int | None = None
) -> None:
    """Give up an upload: its row and the bytes received so far are gone (an asset it already
    made stays)."""
    with transaction.atomic():
        upload = _locked(token=token, actor=actor, actor_key_id=actor_key_id, now=None)
        path = pieces.path_of(schema=current_schema_name(), token=upload.token)
        upload.delete()
        transaction.on_commit(lambda: pieces.remove(path=path))


def remove_expired_uploads(*, now: datetime | None = None) -> int:
    """Delete the current brand's uploads past their expiry, and their bytes; also piece files
    that no upload owns any more and that nobody wrote to for a whole expiry period (a process
    that died between deleting a row and its file). Safe to run twice and beside the web: an
    upload taking a piece right now is skipped. Returns how many uploads went."""
    now = now or timezone.now()
    schema = current_schema_name()
    with transaction.atomic():
        gone = list(
            ResumableUpload.objects.select_for_update(skip_locked=True)
            .filter(expires_at__lte=now)
            .values_list("pk", "token")
        )
        ResumableUpload.objects.filter(pk__in=[pk for pk, _ in gone]).delete()
        paths = [pieces.path_of(schema=schema, token=token) for _, token in gone]
        transaction.on_commit(lambda: pieces.remove_all(paths=paths))
    folder = pieces.folder_of(schema=schema)
    if folder.exists():
        known = {t.hex for t in ResumableUpload.objects.values_list("token", flat=True)}
        stale = now - timedelta(hours=settings.ASSET_RESUMABLE_EXPIRY_HOURS)
        for leftover in folder.glob("*.part"):
            modified = datetime.fromtimestamp(leftover.stat().st_mtime, tz=now.tzinfo)
            if leftover.stem not in known and modified < stale:
                pieces.remove(path=leftover)
    return len(gone)


def _locked(
    *, token: uuid.UUID, actor: User | None, actor_key_id: int | None, now: datetime | None
) -> ResumableUpload:
    """The uploader's upload, row locked; one past its expiry is a 410 unless ``now`` is None
    (giving an upload up works until the sweep took it)."""
    mine: QuerySet[ResumableUpload] = uploads_of(actor=actor, actor_key_id=actor_key_id)
    try:
        upload = mine.select_for_update(nowait=True).filter(token=token).first()
    except OperationalError as exc:
        if isinstance(exc.__cause__, pg_errors.LockNotAvailable):
            raise UploadBusy(
                "Another piece of this upload is being received right now; wait for it, then "
                "ask where the upload stands (HEAD).",
                field="Upload-Offset",
            ) from None
        raise
    if upload is None:
        raise NotFound(f"Upload {token} does not exist.")
    if now is not None and upload.expires_at <= now:
        raise UploadGone(
            f"Upload {token} expired at {upload.expires_at:%Y-%m-%d %H:%M} UTC; start again.",
            field="Upload-Offset",
        )
    return upload
