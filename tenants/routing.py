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
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from brandroom.errors import error_response
from tenants.authentication import ApiKeyAuthentication, StaffTokenAuthentication
from tenants.hostnames import is_platform_host
from tenants.models import ApiKey, Brand, Domain, slug_validator
from tenants.route_lookup import lookup_route, member_role, token_key_of

BRAND_PATH_PREFIX = "/brands/"
SLUG = slug_validator.regex


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
            # No brand with this slug: the request goes on without one, so the view answers a
            # caller who has not signed in exactly as it would for a brand that exists (401,
            # or the sign-in redirect) and only a signed-in caller learns "not found"
            # (BrandPermission, approver_page). A 404 here told anyone which brands exist.
            # One statement reads the brand, the caller's staff token and role, and switches
            # the search_path (tenants.route_lookup); not a slug (a NUL would even fail the
            # query): no brand.
            lookup = (
                lookup_route(slug=slug, token_key=token_key_of(request))
                if SLUG.match(slug)
                else None
            )
            request.route_lookup = lookup  # type: ignore[attr-defined]
            brand = lookup.brand if lookup is not None else None
        else:
            host = _host_of(request)
            # The platform's own hosts are never a brand's, even if a row claims one.
            domain = (
                None
                if is_platform_host(host)
                else Domain.objects.filter(domain=host).select_related("tenant").first()
            )
            if domain is not None:
                brand = domain.tenant
                request.urlconf = settings.BRAND_HOST_URLCONF  # type: ignore[attr-defined]

        if brand is None:
            return self.get_response(request)

        # A suspended brand is still routed: SuspendedBrandMiddleware answers for it once the
        # caller is known, so that only the brand's own people learn it exists.
        request.brand = brand  # type: ignore[attr-defined]
        if connection.tenant is not brand:  # the route lookup has already switched to it
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


def _host_of(request: HttpRequest) -> str:
    """The request's host name, lower-cased, without port (IPv6 literals keep their brackets)."""
    host = request.get_host().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0]


class SuspendedBrandMiddleware:
    """After authentication: a suspended brand answers its own members and API keys 403
    ``brand_suspended``; for everyone else the request goes on without a brand, exactly like
    one for a brand that does not exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        brand: Brand | None = getattr(request, "brand", None)
        if brand is None or brand.is_active:
            return self.get_response(request)
        if _belongs_to(request, brand):
            return error_response(403, "brand_suspended", f"Brand '{brand.slug}' is suspended.")
        request.brand = None  # type: ignore[attr-defined]
        connection.set_schema_to_public()
        return self.get_response(request)


def _belongs_to(request: HttpRequest, brand: Brand) -> bool:
    """Whether the caller (session, token or API key) is one of the brand's own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        api_request = Request(
            request, authenticators=[ApiKeyAuthentication(), StaffTokenAuthentication()]
        )
        try:
            user, auth = api_request.user, api_request.auth
        except APIException:  # a bad credential learns nothing either
            return False
        if isinstance(auth, ApiKey):
            return auth.brand_id == brand.pk
    return (
        bool(user and user.is_authenticated)
        and member_role(request, user=user, brand=brand) is not None
    )
