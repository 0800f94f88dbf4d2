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
    media = data.get("assets")
    if not isinstance(media, list):
        return data
    signed = [item for item in media if isinstance(item, dict) and "urls" in item]
    if not signed:
        return data
    ids = [item["asset_id"] for item in signed if isinstance(item.get("asset_id"), int)]
    fresh = asset_selectors.signed_file_urls(
        asset_ids=ids, brand_slug=brand.slug, base_url=settings.PUBLIC_BASE_URL
    )
    expires_at = api_datetime(
        now + timedelta(seconds=settings.ASSET_URL_MAX_AGE_SECONDS), tz_name=brand.timezone
    )
    gone: dict[str, str | None] = dict.fromkeys(RENDITIONS)
    items: list[Any] = []
    for item in media:
        if isinstance(item, dict) and "urls" in item:
            asset_id = item.get("asset_id")
            urls = fresh.get(asset_id, gone) if isinstance(asset_id, int) else gone
            item = {**item, "urls": urls, "expires_at": expires_at}
        items.append(item)
    return {**data, "assets": items}
