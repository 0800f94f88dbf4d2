"""API roots that link to what is there: the service root (``/``), the platform API root and
the brand API root list their resources, found from the URL table so they never go stale."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, get_resolver

BRAND_API_PREFIX = "brands/<slug:brand_slug>/api/v1/"
PLATFORM_API_PREFIX = "api/v1/"


def _walk(patterns: list[URLPattern | URLResolver], above: str) -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in patterns:
        # Router routes are regular expressions (``^drafts/$``): keep their literal text.
        route = above + str(pattern.pattern).removeprefix("^").removesuffix("$")
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, route)
        else:
            found.append((route, pattern))
    return found


def _answers_get(pattern: URLPattern) -> bool:
    actions = getattr(pattern.callback, "actions", None)  # a DRF viewset's routes
    if actions is not None:
        return "get" in actions
    view_class = getattr(pattern.callback, "view_class", None)
    return view_class is not None and hasattr(view_class, "get")


@cache
def resources_under(prefix: str) -> tuple[tuple[str, str], ...]:
    """(name, path relative to ``prefix``) of every route under ``prefix`` that takes no
    parameter and answers GET, in URL-table order: what an API root links to."""
    resources: list[tuple[str, str]] = []
    for route, pattern in _walk(get_resolver().url_patterns, ""):
        rest = route[len(prefix) :]
        if not route.startswith(prefix) or not rest or any(c in rest for c in "<(\\[^$?*"):
            continue
        if not _answers_get(pattern):
            continue
        resources.append((rest.rstrip("/"), rest))
    return tuple(resources)


def links(request: HttpRequest, *, prefix: str, base: str) -> dict[str, str]:
    """Absolute links to the resources under ``prefix``, as served under ``base`` (the path
    this root was reached at: a brand's API answers under /brands/<slug>/ and its own host)."""
    return {name: request.build_absolute_uri(base + rest) for name, rest in resources_under(prefix)}


def service_root(request: HttpRequest) -> JsonResponse:
    """``/``: what this service is and where to start."""
    absolute = request.build_absolute_uri
    return JsonResponse(
        {
            "service": "Brandroom",
            "links": {
                "api": absolute("/api/v1/"),
                "docs": absolute("/api/docs/"),
                "schema": absolute("/api/schema/"),
                "health": absolute("/api/v1/health/"),
                "sign_in_token": absolute("/api/v1/auth/token/"),
                "brand_api": absolute("/brands/") + "{brand}/api/v1/",
                "approver_phone_view": absolute("/approve/"),
                "admin": absolute("/admin/"),
            },
        }
    )
