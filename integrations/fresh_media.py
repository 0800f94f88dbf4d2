"""An event's signed asset URLs, signed again for each attempt to send it.

``approval.decided`` carries the approved post's media with signed URLs that expire
(``ASSET_URL_MAX_AGE_SECONDS``). Stored as signed when the event was recorded, a retry hours
later (backoff, a receiver down, an endpoint re-enabled and redelivered) would hand the
integrator dead links; so every attempt signs them from its own time, and the request's
signature covers the body as sent. Only the ``urls`` and ``expires_at`` of each item change.
Signing happens in the brand the delivery runs in, for the asset ids the event names: a
token names that brand, so it never opens another brand's file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from assets import selectors as asset_selectors
from assets.signing import RENDITIONS
from brandroom.datetimes import api_datetime
from tenants.models import Brand


def with_fresh_media_urls(*, data: dict[str, Any], brand: Brand, now: datetime) -> dict[str, Any]:
    """``data`` with the ``urls`` of each item of its ``assets`` signed from ``now`` and their
    ``expires_at`` moved to match (all None for an asset deleted since); ``data`` itself is
    left as it was stored."""
    (fresh,) = with_fresh_media_urls_of_many(datas=[data], brand=brand, now=now)
    return fresh


def with_fresh_media_urls_of_many(
    *, datas: Sequence[Any], brand: Brand, now: datetime
) -> list[Any]:
    """``with_fresh_media_urls`` of each of ``datas`` (a page of events), the assets of all
    of them read in one query."""
    signed_items = [_signed_items(data) for data in datas]
    if not any(signed_items):
        return list(datas)
    ids = {item["asset_id"] for items in signed_items for item in items if _is_id(item)}
    fresh = (
        asset_selectors.signed_file_urls(
            asset_ids=sorted(ids), brand_slug=brand.slug, base_url=settings.PUBLIC_BASE_URL
        )
        if ids
        else {}
    )
    expires_at = api_datetime(
        now + timedelta(seconds=settings.ASSET_URL_MAX_AGE_SECONDS), tz_name=brand.timezone
    )
    gone: dict[str, str | None] = dict.fromkeys(RENDITIONS)
    refreshed: list[Any] = []
    for data, items in zip(datas, signed_items, strict=True):
        if not items:
            refreshed.append(data)
            continue
        media: list[Any] = []
        for item in data["assets"]:
            if isinstance(item, dict) and "urls" in item:
                asset_id = item.get("asset_id")
                urls = fresh.get(asset_id, gone) if _is_id(item) else gone
                item = {**item, "urls": urls, "expires_at": expires_at}
            media.append(item)
        refreshed.append({**data, "assets": media})
    return refreshed


def _is_id(item: dict[str, Any]) -> bool:
    """Whether the item names its asset by a plain integer id: true, 1.0 or "1" equal or
    look up as 1 in Python and must not stand for asset 1 (they get no links)."""
    return type(item.get("asset_id")) is int


def _signed_items(data: Any) -> list[dict[str, Any]]:
    """The items of ``data``'s ``assets`` that carry signed ``urls``."""
    media = data.get("assets") if isinstance(data, dict) else None
    if not isinstance(media, list):
        return []
    return [item for item in media if isinstance(item, dict) and "urls" in item]
