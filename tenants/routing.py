"""Request routing: which brand (schema) a request is for, by path or by the brand's hostname.

Routing only picks the brand; whether the caller may see it is decided per endpoint by
``tenants.permissions.BrandPermission`` (and the approver views), against the caller's
memberships or the API key's brand.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from tenants.models import Brand, Domain

BRAND_PATH_PREFIX = "/brands/"


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]},
        status=status,
    )


class BrandRoutingMiddleware:
    """Selects the brand's schema for ``/brands/<slug>/...`` or a brand hostname."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        request.brand = None  # type: ignore[attr-defined]
        brand: Brand | None = None
        if request.path.startswith(BRAND_PATH_PREFIX):
            slug = request.path[len(BRAND_PATH_PREFIX) :].split("/", 1)[0]
            brand = Brand.objects.filter(slug=slug).select_related("agency").first()
            if brand is None:
                return _error(404, "not_found", "Brand not found.")
        else:
            host = request.get_host().split(":", 1)[0].lower()
            domain = Domain.objects.filter(domain=host).select_related("tenant").first()
            if domain is not None:
                brand = domain.tenant
                request.urlconf = settings.BRAND_HOST_URLCONF  # type: ignore[attr-defined]

        if brand is None:
            return self.get_response(request)
        if not brand.is_active:
            return _error(403, "brand_suspended", f"Brand '{brand.slug}' is suspended.")

        request.brand = brand  # type: ignore[attr-defined]
        connection.set_tenant(brand)
        timezone.activate(zoneinfo.ZoneInfo(brand.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            connection.set_schema_to_public()

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        # The slug in the path was consumed above; views work on request.brand instead.
        view_kwargs.pop("brand_slug", None)
