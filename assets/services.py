"""Changing a brand's assets: upload, name and tag, delete, make renditions, and set the
images a draft carries."""

from __future__ import annotations

import io
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from assets import images, local_copies, media_rules, video
from assets.errors import (
    AssetInUse,
    AssetsError,
    DraftNotEditable,
    FileTooLarge,
    NotFound,
)
from assets.models import Asset, ChosenDraftAssets, DraftAsset
from assets.tasks import make_asset_renditions
from content import services as content_services
from content.models import Draft
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import User
from tenants.selectors import current_schema_name
from tenants.worker import enqueue_on_commit

# Drafts whose images must not disappear (a person is judging them, or they are about to go
# out).
DRAFTS_THAT_HOLD_ASSETS = frozenset({Draft.Status.IN_REVIEW, Draft.Status.APPROVED})
MAX_TAGS = 20


def upload_asset(
    *,
    file: IO[bytes],
    size: int,
    name: str,
    tags: list[str],
    keep_metadata: bool = False,
    created_by: Any = None,
    created_by_key_id: int | None = None,
) -> Asset:
    """Store an uploaded image or video after checking it from its bytes (type, size, an
    image's pixels, a video's stream); metadata is stripped (an image's EXIF and location, a
    video's container metadata through ffmpeg) unless ``keep_metadata``. Renditions follow on
    the worker. Bad input stores nothing."""
    with ExitStack() as keep:
        return _upload(
            file=file,
            size=size,
            name=name,
            tags=clean_tags(tags=tags),
            keep_metadata=keep_metadata,
            created_by=created_by,
            created_by_key_id=created_by_key_id,
            keep=keep,
        )


def _upload(
    *,
    file: IO[bytes],
    size: int,
    name: str,
    tags: list[str],
    keep_metadata: bool,
    created_by: Any,
    created_by_key_id: int | None,
    keep: ExitStack,
) -> Asset:
    head = file.read(64)
    file.seek(0)
    container = video.sniff(head=head)
    if container is not None:
        _within(size=size, limit=settings.ASSET_VIDEO_MAX_BYTES, what="videos")
        path = keep.enter_context(_local_path(file))
        facts = video.probe(
            path=path,
            content_type=container[0],
            extension=container[1],
            max_pixels=settings.ASSET_IMAGE_MAX_PIXELS,
        )
        content: File[Any] = File(file)
        if not keep_metadata:
            # Where and when it was filmed, and on what, leave with the container metadata.
            workspace = Path(keep.enter_context(tempfile.TemporaryDirectory()))
            stripped = video.strip_metadata(path=path, extension=facts.extension, into=workspace)
            size = stripped.stat().st_size
            content = File(keep.enter_context(stripped.open("rb")))
        fields: dict[str, Any] = {
            "kind": Asset.Kind.VIDEO,
            "content_type": facts.content_type,
            "size_bytes": size,
            "width": facts.width,
            "height": facts.height,
            "duration_seconds": facts.duration_seconds,
            "metadata_stripped": not keep_metadata,
        }
        extension = facts.extension
    else:
        _within(size=size, limit=settings.ASSET_IMAGE_MAX_BYTES, what="images")
        clean = images.clean_image(
            source=file, max_pixels=settings.ASSET_IMAGE_MAX_PIXELS, keep_metadata=keep_metadata
        )
        fields = {
            "kind": Asset.Kind.IMAGE,
            "content_type": clean.content_type,
            "size_bytes": len(clean.data),
            "width": clean.width,
            "height": clean.height,
            "metadata_stripped": not keep_metadata,
        }
        extension, content = clean.extension, ContentFile(clean.data)
    folder = f"assets/{current_schema_name()}/{uuid.uuid4().hex}"
    stored = default_storage.save(f"{folder}/original.{extension}", content)
    try:
        with transaction.atomic():
            asset = Asset.objects.create(
                name=(clean_label(text=name) or "upload")[:200],
                tags=tags,
                original=stored,
                created_by=created_by,
                created_by_key_id=created_by_key_id,
                **fields,
            )
            enqueue_on_commit(make_asset_renditions, asset_id=asset.pk)
    except BaseException:
        # The row did not make it: neither may the file.
        default_storage.delete(stored)
        raise
    return asset


def _within(*, size: int, limit: int, what: str) -> None:
    if size > limit:
        raise FileTooLarge(
            f"The file is {size:,} bytes; {what} may be at most {limit:,} bytes.", field="file"
        )


@contextmanager
def _local_path(file: IO[bytes]) -> Iterator[Path]:
    """A path on disk for ffmpeg: the upload's own temporary file, or a copy of it."""
    own = getattr(file, "temporary_file_path", None)
    if own is not None:
        yield Path(own())
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        file.seek(0)
        shutil.copyfileobj(file, copy)
        copy.flush()
        file.seek(0)
        yield Path(copy.name)


# Characters that turn how the text after them is shown (right-to-left overrides, isolates):
# "invoice\u202egpj.exe" reads as "invoiceexe.jpg". A name never needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_label(*, text: str) -> str:
    """A name or tag as it is stored and shown: control characters (NUL, line breaks) and
    direction overrides gone, runs of whitespace one space."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS)
    )
    return " ".join(kept.split())


def clean_tags(*, tags: list[str]) -> list[str]:
    """Tags as an asset stores them (lower-case, sorted, once each); too many or too long is a
    400 naming ``tags``."""
    cleaned = sorted({clean_label(text=t).lower() for t in tags} - {""})
    if len(cleaned) > MAX_TAGS:
        raise AssetsError(f"At most {MAX_TAGS} tags per asset.", field="tags")
    if any(len(t) > 40 for t in cleaned):
        raise AssetsError("A tag is at most 40 characters.", field="tags")
    return cleaned


def describe_asset(
    *, asset_id: int, name: str | None = None, tags: list[str] | None = None
) -> Asset:
    """Rename or re-tag an asset (tags are stored lower-case, sorted, once each)."""
    with transaction.atomic():
        asset = _locked(asset_id)
        if name is not None:
            if not clean_label(text=name):
                raise AssetsError("Give the asset a name.", field="name")
            asset.name = clean_label(text=name)[:200]
        if tags is not None:
            asset.tags = clean_tags(tags=tags)
        asset.save(update_fields=["name", "tags", "updated_at"])
        return asset


def delete_asset(*, asset_id: int) -> None:
    """Delete an asset and its files. Refused (409) while a draft that uses it is in review or
    approved; drafts in other states lose the image."""
    for _attempt in range(DELETE_ATTEMPTS):
        with transaction.atomic():
            if _delete_if_users_unchanged(asset_id=asset_id):
                return
    raise AssetInUse(
        f"Asset {asset_id} is being put on drafts right now; try deleting it again.",
        field="asset",
    )


# How often a delete starts again because drafts took the asset while it waited for it.
DELETE_ATTEMPTS = 3


def _delete_if_users_unchanged(*, asset_id: int) -> bool:
    """One try at deleting the asset; False (nothing changed) when a draft was given the
    asset while this waited for the asset's lock, so that draft was neither locked nor checked:
    a draft attached and sent to review in that moment would lose its image under the
    approvers."""
    # Lock the drafts that use it so none is sent to review between the check and the
    # delete: drafts first, then the asset, the order set_draft_assets takes them in (the
    # other order could deadlock with it).
    users = list(
        Draft.objects.select_for_update()
        .filter(asset_links__asset_id=asset_id)
        .order_by("pk")
        .values_list("pk", "status")
    )
    asset = _locked(asset_id)
    # Holding the asset, no draft can take it any more (set_draft_assets locks it): the
    # drafts using it now are all there will be. Any not locked above committed its link
    # while this waited: start again, so it is locked and checked too.
    if not set(DraftAsset.objects.filter(asset_id=asset_id).values_list("draft_id", flat=True)) <= {
        pk for pk, _ in users
    }:
        return False
    holding = [pk for pk, status in users if status in DRAFTS_THAT_HOLD_ASSETS]
    if holding:
        raise AssetInUse(
            f"Asset {asset.pk} is on draft {', '.join(map(str, holding))}, which is in "
            "review or approved; take it off the draft (or wait for the decision) first.",
            field="asset",
        )
    files = [f.name for f in (asset.original, asset.thumbnail, asset.phone) if f.name]
    DraftAsset.objects.filter(asset=asset).delete()
    try:
        with transaction.atomic():
            asset.delete()
    except ProtectedError as exc:
        # Apps above this one (a boost's images) protect the assets they carry.
        holders = sorted({str(row) for row in exc.protected_objects})
        raise AssetInUse(
            f"Asset {asset.pk} is still used: {'; '.join(holders)}; take it off first.",
            field="asset",
        ) from None
    transaction.on_commit(lambda: _delete_files(files))
    return True


@contextmanager
def _still_of(asset: Asset) -> Iterator[IO[bytes]]:
    """The picture renditions are made from: the image, or a video's poster frame."""
    if asset.kind == Asset.Kind.IMAGE:
        with default_storage.open(asset.original.name, "rb") as source:
            yield source
        return
    # ffmpeg reads a path: the stored file's own, or a copy streamed from the bucket in
    # chunks (never the whole video in the worker's memory), removed however this ends.
    name = asset.original.name
    with local_copies.local_copy(name=name, suffix=Path(name).suffix) as path:
        yield io.BytesIO(
            video.poster_frame(path=path, duration_seconds=asset.duration_seconds or 0.0)
        )


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _locked(asset_id: int) -> Asset:
    asset = Asset.objects.select_for_update().filter(pk=asset_id).first()
    if asset is None:
        raise NotFound(f"Asset {asset_id} does not exist.")
    return asset


def make_renditions(*, asset_id: int) -> Asset | None:
    """Make an asset's thumbnail and phone rendition and mark it ready (or failed, with why).
    Safe to run twice: a ready asset is left alone, and the files have fixed names. None when
    the asset was deleted meanwhile."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.state == Asset.State.READY:
        return asset
    folder = asset.original.name.rsplit("/", 1)[0]
    try:
        with _still_of(asset) as source:
            thumbnail, phone = images.renditions(
                source=source,
                boxes=[
                    images.THUMBNAIL_BOX,
                    images.phone_box(width=asset.width, height=asset.height),
                ],
            )
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        SyntaxError,
        ValueError,
        video.VideoToolsMissing,
    ) as exc:
        # The bytes (or the worker's tools) will not get better on a retry: say so on the asset.
        why = exc.message if isinstance(exc, video.VideoToolsMissing) else str(exc)
        Asset.objects.filter(pk=asset_id, state=Asset.State.PROCESSING).update(
            state=Asset.State.FAILED, failure=f"Renditions could not be made: {why}"[:300]
        )
        return Asset.objects.filter(pk=asset_id).first()
    names = {"thumbnail": f"{folder}/thumbnail.jpg", "phone": f"{folder}/phone.jpg"}
    for kind, data in (("thumbnail", thumbnail), ("phone", phone)):
        default_storage.delete(names[kind])  # a run that died half-way left it behind
        names[kind] = default_storage.save(names[kind], ContentFile(data))
    Asset.objects.filter(pk=asset_id).exclude(state=Asset.State.READY).update(
        state=Asset.State.READY, thumbnail=names["thumbnail"], phone=names["phone"], failure=""
    )
    current = Asset.objects.filter(pk=asset_id).first()
    if current is None:
        # Deleted while the renditions were being made: its delete could not know these files.
        _delete_files(list(names.values()))
    return current


def requeue_stuck_renditions(*, now: datetime | None = None) -> list[int]:
    """Send the renditions message again for every asset of the brand still ``processing``
    ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS after its upload or its last resend: its message is
    gone (the web process died between the commit and the broker, the broker refused it, or
    the worker was killed mid-run). An asset resent ASSET_RENDITIONS_MAX_RESENDS times is
    marked failed instead, saying why, so a file that kills the worker is not tried for ever.
    Safe to overlap: SKIP LOCKED, and the actor leaves a ready asset alone. The ids it sent."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        stuck = list(
            Asset.objects.filter(state=Asset.State.PROCESSING, updated_at__lt=before)
            .select_for_update(skip_locked=True)
            .order_by("updated_at")
            .values_list("pk", "rendition_resends")[:200]
        )
        limit = settings.ASSET_RENDITIONS_MAX_RESENDS
        given_up = [pk for pk, resends in stuck if resends >= limit]
        resend = [pk for pk, resends in stuck if resends < limit]
        Asset.objects.filter(pk__in=given_up).update(
            state=Asset.State.FAILED,
            failure=(
                f"Renditions could not be made: no worker finished them in {limit + 1} tries. "
                "Delete the asset and upload the file again, or try another file."
            ),
            updated_at=now,
        )
        # Marked as just sent, so the next sweep waits for this message before sending again.
        Asset.objects.filter(pk__in=resend).update(
            rendition_resends=F("rendition_resends") + 1, updated_at=now
        )
        for pk in resend:
            enqueue_on_commit(make_asset_renditions, asset_id=pk)
    return resend


@dataclass(frozen=True)
class Attachment:
    asset_id: int
    alt_text: str


def lock_attachments(*, attachments: list[Attachment], on: str) -> None:
    """Check that every asset of an ordered list exists and is in it once (400 naming
    ``assets.<position>.asset`` otherwise), and lock them so none is deleted before the
    caller's transaction commits. ``on`` names what carries them ("the draft", "the boost")."""
    wanted = [a.asset_id for a in attachments]
    found = set(
        Asset.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for index, item in enumerate(attachments):
        if item.asset_id not in found:
            raise AssetsError(
                f"Asset {item.asset_id} does not exist.", field=f"assets.{index}.asset"
            )
        if item.asset_id in seen:
            raise AssetsError(
                f"Asset {item.asset_id} is on {on} twice.", field=f"assets.{index}.asset"
            )
        seen.add(item.asset_id)


@dataclass(frozen=True)
class DraftAssetsChange:
    """Where a draft's images ended up: on the draft itself, or (``revised``) on its new
    version, whose review starts again."""

    draft_id: int
    revised: bool
    links: list[DraftAsset]


# Images change in place only while nobody is judging the draft yet; once it went to review
# (or further) a change is a new version, the way an edit of its text is.
CHANGE_IN_PLACE = frozenset({Draft.Status.DRAFT, Draft.Status.READY})


def set_draft_assets(
    *,
    draft_id: int,
    attachments: list[Attachment],
    actor: User | None = None,
    actor_key_id: int | None = None,
    reason: str = "",
) -> DraftAssetsChange:
    """Put these assets on a draft, in this order with their alt text, replacing what it
    carried; more images than the draft's network takes is a 400. While the draft is written
    (draft, ready) it changes in place. Once people have seen it (in review, approved, changes
    requested, rejected) the change is a new version of the draft, checked again and offered
    for review like an edit of its text: the open review of the old version is withdrawn and
    its chain starts again, and an approved draft stays exactly as it was approved. Setting
    the images a draft already carries changes nothing. Published drafts, and versions that
    already have a newer one, are a 409. ``reason`` goes into the audit entry (an accepted
    alt-text suggestion, say)."""
    with transaction.atomic():
        draft = (
            Draft.objects.select_for_update(of=("self",))
            .select_related("channel")
            .filter(pk=draft_id)
            .first()
        )
        if draft is None:
            raise NotFound(f"Draft {draft_id} does not exist.")
        limit = media_rules.rules_for(draft.channel.network if draft.channel else None).max_images
        if len(attachments) > limit:
            on = f"A {draft.channel.get_network_display()} post" if draft.channel else "A draft"
            raise AssetsError(f"{on} carries at most {limit} images.", field="assets")
        if draft.status == Draft.Status.PUBLISHED:
            raise DraftNotEditable(
                f"Draft {draft.pk} is published; its images can no longer change.",
                field="assets",
            )
        lock_attachments(attachments=attachments, on="the draft")
        current = list(DraftAsset.objects.filter(draft=draft).order_by("position"))
        before = [(link.asset_id, link.alt_text) for link in current]
        after = [(item.asset_id, item.alt_text.strip()) for item in attachments]
        if before == after:
            return DraftAssetsChange(draft_id=draft.pk, revised=False, links=current)
        carrier = draft
        revised = draft.status not in CHANGE_IN_PLACE
        if revised:
            # The same text as a new version; its DRAFT_READY announcement sends it through
            # the policy on the worker, which withdraws the old version's open request.
            carrier = content_services.revise_draft(
                draft_id=draft.pk,
                text=draft.text,
                created_by=actor,
                created_by_key_id=actor_key_id,
            )
        DraftAsset.objects.filter(draft=carrier).delete()
        links = DraftAsset.objects.bulk_create(
            DraftAsset(draft=carrier, asset_id=asset_id, position=index, alt_text=alt_text)
            for index, (asset_id, alt_text) in enumerate(after)
        )
        ChosenDraftAssets.objects.update_or_create(draft=carrier)
        audit.record(
            action=AuditAction.DRAFT_ASSETS_SET,
            subject=carrier,
            before={"draft": draft.pk, "status": draft.status, "assets": [*map(list, before)]},
            after={"draft": carrier.pk, "assets": [*map(list, after)]},
            detail=" ".join(
                part
                for part in (
                    reason,
                    f"Images changed while draft {draft.pk} was {draft.status}: version "
                    f"{carrier.version} goes to review again."
                    if revised
                    else "",
                )
                if part
            ),
            # An API key acting is recorded as the key (from the request), not its creator.
            actor=actor if actor_key_id is None else None,
        )
        return DraftAssetsChange(draft_id=carrier.pk, revised=revised, links=links)


def carry_assets_to_revision(*, draft_id: int) -> int:
    """A new version of a draft carries its parent's images, in order with their alt text,
    so the approver judges the whole post again. Safe to run twice: a version that already
    has images, or whose images a person chose (even none), is left alone. Returns how many
    were carried."""
    with transaction.atomic(savepoint=False):  # nothing here is caught: no savepoint needed
        draft = Draft.objects.select_for_update().filter(pk=draft_id).first()
        if (
            draft is None
            or draft.parent_id is None
            or draft.asset_links.exists()
            or ChosenDraftAssets.objects.filter(draft=draft).exists()
        ):
            return 0
        parent_links = DraftAsset.objects.filter(draft_id=draft.parent_id).order_by("position")
        carried = DraftAsset.objects.bulk_create(
            DraftAsset(
                draft=draft, asset_id=link.asset_id, position=link.position, alt_text=link.alt_text
            )
            for link in parent_links
        )
        return len(carried)
