"""The brand whose schema the connection is on, and its local time."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.db import connection

from tenants.models import Brand


def current_brand() -> Brand:
    """The Brand of the active schema (request, worker message or schema_context)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Brand):
        return tenant
    return Brand.objects.get(schema_name=connection.schema_name)


def brand_local(moment: datetime, brand: Brand | None = None) -> datetime:
    """``moment`` in the brand's own time zone."""
    return moment.astimezone(zoneinfo.ZoneInfo((brand or current_brand()).timezone))
