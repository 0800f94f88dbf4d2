"""Nobody learns which brands exist without signing in (issue 14, item 6).

Before: an unknown slug was a 404 straight from routing, while a real brand answered 401 (API)
or redirected to sign-in (phone view), so brand names could be probed anonymously.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tenants import services
from tenants.models import Brand
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

REAL, MADE_UP = "alpine-coffee", "alpine-kaffee"


def answer(response) -> tuple[int, bytes, str]:  # type: ignore[no-untyped-def]
    """What a caller can observe, with the slug itself (which they sent) blanked out."""
    location = response.get("Location", "")
    body = response.content
    for slug in (REAL, MADE_UP):
        location = location.replace(slug, "<slug>")
        body = body.replace(slug.encode(), b"<slug>")
    return response.status_code, body, location


@pytest.mark.parametrize(
    "path",
    [
        "/brands/{}/api/v1/",
        "/brands/{}/api/v1/drafts/",
        "/brands/{}/api/v1/boosts/1/",
        "/brands/{}/approve/",
        "/brands/{}/approve/steps/1/",
    ],
)
@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"HTTP_AUTHORIZATION": "Api-Key abcd1234.not-a-secret"},
        {"HTTP_AUTHORIZATION": "Token x"},
    ],
)
def test_anonymous_callers_get_the_same_answer_for_real_and_made_up_brands(
    world, path, credentials
) -> None:
    browser = Client(**credentials)
    real = answer(browser.get(path.format(REAL)))
    made_up = answer(browser.get(path.format(MADE_UP)))
    assert real == made_up
    assert real[0] in (302, 401)


def test_posting_anonymously_answers_the_same_and_creates_nothing(world) -> None:
    client = APIClient()
    body = {"network": "x", "handle": "probe"}
    real = client.post(f"/brands/{REAL}/api/v1/channels/", body, format="json")
    made_up = client.post(f"/brands/{MADE_UP}/api/v1/channels/", body, format="json")
    assert answer(real) == answer(made_up)
    assert real.status_code == 401


def test_a_signed_in_outsider_gets_404_for_both(world) -> None:
    outsider = client_for(world.b.person(Role.COPYWRITER))
    for slug in (REAL, MADE_UP):
        response = outsider.get(f"/brands/{slug}/api/v1/drafts/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
    browser = Client()
    browser.force_login(world.b.person(Role.COPYWRITER))
    assert browser.get(f"/brands/{REAL}/approve/").status_code == 404
    assert browser.get(f"/brands/{MADE_UP}/approve/").status_code == 404


def test_a_suspended_brand_answers_anonymous_callers_like_any_other(world) -> None:
    services.suspend_brand(brand=Brand.objects.get(slug=REAL))
    browser = Client()
    for path in ("/brands/{}/api/v1/drafts/", "/brands/{}/approve/"):
        assert answer(browser.get(path.format(REAL))) == answer(browser.get(path.format(MADE_UP)))


def test_every_brand_api_route_is_behind_brand_permission() -> None:
    """Routing lets a request for an unknown brand through without a brand, so every view on
    the brand's routes must refuse it itself (BrandPermission answers 401, then 404)."""
    from django.urls import get_resolver

    from tenants.permissions import BrandPermission

    def views(patterns):  # type: ignore[no-untyped-def]
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield pattern.callback

    unguarded = [
        view.__name__
        for view in views(get_resolver("brandroom.brand_urls").url_patterns)
        if not any(
            issubclass(permission, BrandPermission)
            for permission in getattr(view.cls, "permission_classes", [])
        )
    ]
    assert unguarded == []
