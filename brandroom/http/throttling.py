"""API throttles: one budget per brand (all callers together) and one per API key.

A fixed-window counter per budget lives in one public-schema row
(``brandroom.http.models.ThrottleCounter``), bumped by a single ``INSERT ... ON CONFLICT DO
UPDATE ... RETURNING`` statement: one round trip per budget per request, atomic under
concurrency, and shared by every gunicorn worker.
(DRF's cache-based throttle keeps the timestamp of every request in the window and rewrites
that list on each request, several queries and a growing payload on a database cache.)
Rates are read at request time (THROTTLE_RATE_BRAND and THROTTLE_RATE_API_KEY); a refused
request gets 429 with ``Retry-After`` = seconds until its window ends.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from brandroom.http.credentials import KeyCredential

HIT = """
INSERT INTO public.tenants_throttlecounter (key, hits, window_ends_at)
VALUES (%(key)s, 1, %(ends)s)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN tenants_throttlecounter.window_ends_at <= %(now)s
                THEN 1 ELSE tenants_throttlecounter.hits + 1 END,
    window_ends_at = CASE WHEN tenants_throttlecounter.window_ends_at <= %(now)s
                THEN EXCLUDED.window_ends_at ELSE tenants_throttlecounter.window_ends_at END
RETURNING hits, window_ends_at
"""


def hit(key: str, *, window_seconds: int) -> tuple[int, float]:
    """Count one request against ``key``; returns (hits in this window, seconds left in it)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            HIT, {"key": key, "now": now, "ends": now + timedelta(seconds=window_seconds)}
        )
        hits, ends = cursor.fetchone()
    return hits, max(0.0, (ends - now).total_seconds())


class _WindowThrottle(BaseThrottle):
    scope = ""

    def ident(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        ident = self.ident(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if ident is None or rate is None:
            return True
        limit, window = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
        hits, self._left = hit(f"{self.scope}:{ident}", window_seconds=int(window))
        return hits <= limit

    def wait(self) -> float | None:
        return float(math.ceil(self._left)) or 1.0


class BrandRateThrottle(_WindowThrottle):
    """Every request on one brand's routes, whoever makes it."""

    scope = "brand"

    def ident(self, request: Request) -> str | None:
        brand = getattr(request._request, "brand", None)
        return str(brand.pk) if brand is not None else None


class ApiKeyRateThrottle(_WindowThrottle):
    """Every request made with one API key."""

    scope = "api_key"

    def ident(self, request: Request) -> str | None:
        auth = request.auth
        return auth.credential_id if isinstance(auth, KeyCredential) else None
