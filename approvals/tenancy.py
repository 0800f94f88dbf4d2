"""The brand's local time (the brand itself: tenants.selectors.current_brand)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from tenants.models import Brand
from tenants.selectors import current_brand

__all__ = ["brand_local", "current_brand"]


def brand_local(moment: datetime, brand: Brand | None = None) -> datetime:
    """``moment`` in the brand's own time zone."""
    return moment.astimezone(zoneinfo.ZoneInfo((brand or current_brand()).timezone))


def brand_local_text(moment: datetime) -> str:
    """A time as the brand's people read it (the worker has no request time zone)."""
    return brand_local(moment).strftime("%Y-%m-%d %H:%M %Z")
