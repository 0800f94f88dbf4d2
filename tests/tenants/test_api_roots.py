"""A newcomer's first requests: ``/``, the platform API root and a brand's API root link to
what is there (issue 15, first contact), so the API can be explored from its root."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_service_root_links_to_the_api_its_docs_and_health(world) -> None:
    answer = APIClient().get("/")
    assert answer.status_code == 200
    body = answer.json()
    links = body["links"]
    assert links["api"] == "http://testserver/api/v1/"
    assert links["docs"] == "http://testserver/api/docs/"
    for name in ("api", "health", "docs"):
        answer = APIClient().get(links[name])
        # The health body names the check that failed (database or broker).
        assert answer.status_code == 200, (name, answer.content[:500])


def test_the_platform_api_root_links_to_its_resources_and_says_how_to_sign_in(world) -> None:
    answer = APIClient().get("/api/v1/")
    assert answer.status_code == 200
    body = answer.json()
    links = body["links"]
    assert links["brands"] == "http://testserver/api/v1/brands/"
    assert links["me"] == "http://testserver/api/v1/me/"
    assert "auth/tokens" in links
    assert "Token" in body["sign_in"]
    # Every link is a real route: signed in, none is a 404.
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    for name, url in links.items():
        assert lead.get(url).status_code != 404, name


def test_a_brand_api_root_links_to_the_brands_resources_for_its_members_only(world) -> None:
    slug = world.a.brand.slug
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    body = lead.get(f"/brands/{slug}/api/v1/").json()
    assert body["slug"] == slug
    links = body["links"]
    base = f"http://testserver/brands/{slug}/api/v1/"
    for resource in ("drafts", "briefs", "inbox", "approvals/requests", "boosts", "events"):
        assert links.get(resource) == base + resource + "/", resource
    # Nothing with a parameter left in it, and every link answers (200, or 403 for a
    # resource this role may not read), never 404.
    assert not [url for url in links.values() if "<" in url or "{" in url]
    for name, url in links.items():
        answer = lead.get(url)
        if name == "voice":  # a brand with no voice yet: a 404 saying how to create one
            assert "POST one" in answer.json()["errors"][0]["detail"]
            continue
        if answer.status_code == 400:  # a list of one thing's items says which it needs
            assert answer.json()["errors"][0]["attr"], name
            continue
        assert answer.status_code in (200, 403), name
    # Someone of the other brand learns nothing, the links included.
    assert (
        client_for(world.b.person(Role.ACCOUNT_LEAD)).get(f"/brands/{slug}/api/v1/").status_code
        == 404
    )
