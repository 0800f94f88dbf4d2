"""Reading a brand's assets: the library, one asset, the images a draft carries, and the
signed URLs pages and integrators fetch them by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from assets import images, media_rules, signing
from assets.errors import NotFound
from assets.models import Asset, DraftAsset
from content.models import Draft
from tenants.selectors import current_schema_name


def library(*, search: str = "", tag: str = "") -> QuerySet[Asset]:
    """The brand's assets, newest first; ``search`` matches a word of the name or a whole tag,
    ``tag`` keeps only assets with that tag."""
    assets = Asset.objects.all()
    if search.strip():
        term = search.strip()
        assets = assets.filter(Q(name__icontains=term) | Q(tags__contains=[term.lower()]))
    if tag.strip():
        assets = assets.filter(tags__contains=[tag.strip().lower()])
    return assets


def asset_by_id(*, asset_id: int) -> Asset:
    """One asset of the brand, or NotFound (404)."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        raise NotFound(f"Asset {asset_id} does not exist.")
    return asset


def draft_assets(*, draft_id: int) -> list[DraftAsset]:
    """The assets a draft carries, in order; NotFound (404) for a draft that does not exist."""
    if not Draft.objects.filter(pk=draft_id).exists():
        raise NotFound(f"Draft {draft_id} does not exist.")
    return list(
        DraftAsset.objects.filter(draft_id=draft_id).select_related("asset").order_by("position")
    )


class MediaLink(Protocol):
    """An asset at a position with its alt text, on whatever carries it (a draft, a boost)."""

    @property
    def asset(self) -> Asset: ...
    @property
    def asset_id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def alt_text(self) -> str: ...


def media_warnings(*, draft_id: int, links: Sequence[MediaLink]) -> list[dict[str, object]]:
    """Guardrail warnings about a draft's media (see ``media_warnings_for``), by the network
    of the draft's channel."""
    network = Draft.objects.filter(pk=draft_id).values_list("channel__network", flat=True).first()
    return media_warnings_for(network=network, links=links)


def media_warnings_for(
    *, network: str | None, links: Sequence[MediaLink]
) -> list[dict[str, object]]:
    """Guardrail warnings about media for ``network``: each one without alt text (people
    using screen readers get nothing from it), each one the network would crop, a video
    longer than the network takes, a post on a network that needs media (or a video) without
    it. Warnings inform; they do not stop the post."""
    rules = media_rules.rules_for(network)
    warnings: list[dict[str, object]] = []
    if not links and rules.requires_media:
        warnings.append(
            {
                "code": "media_required",
                "position": None,
                "asset": None,
                "detail": f"A {network} post needs at least one image.",
            }
        )
    if (
        links
        and rules.requires_video
        and not any(link.asset.kind == Asset.Kind.VIDEO for link in links)
    ):
        warnings.append(
            {
                "code": "video_required",
                "position": None,
                "asset": None,
                "detail": f"A {network} post needs a video.",
            }
        )
    for link in links:
        if link.asset.kind == Asset.Kind.VIDEO:
            too_long = media_rules.length_warning(
                rules=rules, seconds=link.asset.duration_seconds or 0.0
            )
            if too_long:
                warnings.append(
                    {
                        "code": "video_too_long",
                        "position": link.position,
                        "asset": link.asset_id,
                        "detail": f"Video {link.position + 1} is {too_long}.",
                    }
                )
        if not link.alt_text.strip():
            warnings.append(
                {
                    "code": "missing_alt_text",
                    "position": link.position,
                    "asset": link.asset_id,
                    "detail": f"Image {link.position + 1} has no alt text.",
                }
            )
        shape = media_rules.shape_warning(
            rules=rules, width=link.asset.width, height=link.asset.height
        )
        if shape:
            warnings.append(
                {
                    "code": "aspect_ratio",
                    "position": link.position,
                    "asset": link.asset_id,
                    "detail": f"Image {link.position + 1} is {shape}.",
                }
            )
    return warnings


def file_urls(*, asset: Asset, brand_slug: str) -> dict[str, str | None]:
    """Signed, expiring paths of an asset's files (renditions None until they exist)."""
    return {
        rendition: (
            signing.file_path(
                brand_slug=brand_slug,
                schema=current_schema_name(),
                asset_id=asset.pk,
                rendition=rendition,
            )
            if getattr(asset, rendition).name
            else None
        )
        for rendition in signing.RENDITIONS
    }


def signed_file_urls(
    *, asset_ids: Sequence[int], brand_slug: str, base_url: str
) -> dict[int, dict[str, str | None]]:
    """Absolute signed URLs of the files of each of ``asset_ids`` the current brand holds,
    valid from now on (an id it does not hold, a deleted asset, is left out)."""
    found = Asset.objects.filter(pk__in=asset_ids).only("pk", *signing.RENDITIONS)
    return {
        asset.pk: {
            rendition: f"{base_url}{path}" if path else None
            for rendition, path in file_urls(asset=asset, brand_slug=brand_slug).items()
        }
        for asset in found
    }


@dataclass(frozen=True)
class PhoneImage:
    url: str | None  # None while the rendition is being made (or could not be)
    alt_text: str
    # A video shows its poster frame, with its length.
    video_length: str | None
    width: int
    height: int


def phone_images(*, draft_id: int, brand_slug: str) -> list[PhoneImage]:
    """The draft's images as the phone view shows them (see ``phone_images_of``)."""
    return phone_images_of(links=draft_assets(draft_id=draft_id), brand_slug=brand_slug)


def phone_images_of(*, links: Sequence[MediaLink], brand_slug: str) -> list[PhoneImage]:
    """Images as the phone view shows them: the phone rendition (never the original, so pages
    stay light), in order; an image whose rendition is not ready has no URL, and the page
    says so."""
    shown = []
    for link in links:
        asset = link.asset
        width, height = images.phone_box(width=asset.width, height=asset.height)
        ready = asset.state == Asset.State.READY
        url = (
            signing.file_path(
                brand_slug=brand_slug,
                schema=current_schema_name(),
                asset_id=asset.pk,
                rendition="phone",
            )
            if ready
            else None
        )
        length = None
        if asset.kind == Asset.Kind.VIDEO:
            seconds = round(asset.duration_seconds or 0)
            length = f"{seconds // 60}:{seconds % 60:02d}"
        shown.append(
            PhoneImage(
                url=url, alt_text=link.alt_text, video_length=length, width=width, height=height
            )
        )
    return shown


def signed_media(
    *, links: Sequence[MediaLink], brand_slug: str, base_url: str
) -> list[dict[str, Any]]:
    """What an integrator needs to publish a post's media, in order: each asset's kind, type,
    size and alt text, and absolute signed URLs of the original and the renditions (None until
    made) that anyone may fetch until ``expires_at`` (``ASSET_URL_MAX_AGE_SECONDS`` from now;
    the API's ``.../assets/`` answers sign them afresh)."""
    expires_at = timezone.now() + timedelta(seconds=settings.ASSET_URL_MAX_AGE_SECONDS)
    media = []
    for link in links:
        asset = link.asset
        urls = file_urls(asset=asset, brand_slug=brand_slug)
        media.append(
            {
                "position": link.position,
                "asset_id": asset.pk,
                "kind": asset.kind,
                "content_type": asset.content_type,
                "width": asset.width,
                "height": asset.height,
                "duration_seconds": asset.duration_seconds,
                "alt_text": link.alt_text,
                "urls": {k: f"{base_url}{v}" if v else None for k, v in urls.items()},
                "expires_at": expires_at,
            }
        )
    return media
