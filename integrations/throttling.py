"""API throttles: one budget per brand (all callers together) and one per API key.

Counters live in the shared ``default`` cache (Redis, or a PostgreSQL table without it; see
settings), so every gunicorn worker draws on the same budget. DRF answers 429 with a
``Retry-After`` header. Rates are read at request time (THROTTLE_RATE_BRAND and
THROTTLE_RATE_API_KEY), not frozen at import like DRF's default.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tenants.models import ApiKey


class _LiveRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        # The rate may have changed since construction (settings are read per request).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class BrandRateThrottle(_LiveRateThrottle):
    """Every request on one brand's routes, whoever makes it."""

    scope = "brand"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        brand = getattr(request._request, "brand", None)
        if brand is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": brand.pk}


class ApiKeyRateThrottle(_LiveRateThrottle):
    """Every request made with one API key."""

    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
