"""Brand hostnames are real hostnames and never the platform's own (issue 14, item 2).

Before: any agency admin could claim ``localhost``, the public host or any string, after which
sign-in, tokens and health answered 404 on that host for everybody.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.models import Brand, Domain
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def create(world, hostname: str):  # type: ignore[no-untyped-def]
    return client_for(world.admin).post(
        "/api/v1/brands/",
        {"agency": "test-agency", "name": "Host", "slug": "host-brand", "hostname": hostname},
        format="json",
    )


@pytest.mark.parametrize(
    ("hostname", "code"),
    [
        ("not a host/../x", "invalid_hostname"),
        ("social.example.com/path", "invalid_hostname"),
        ("social.example.com:8443", "invalid_hostname"),
        ("https://social.example.com", "invalid_hostname"),
        ("-bad-.example.com", "invalid_hostname"),
        ("social_media.example.com", "invalid_hostname"),
        ("x" * 64 + ".example.com", "invalid_hostname"),
        ("localhost", "hostname_reserved"),
        ("app.localhost", "hostname_reserved"),
        ("127.0.0.1", "hostname_reserved"),
        ("testserver.", "hostname_reserved"),
        ("brandroom.example.com", "hostname_reserved"),  # PUBLIC_BASE_URL's host
        ("API.Platform.example.com", "hostname_reserved"),  # an ALLOWED_HOSTS entry
    ],
)
def test_bad_or_reserved_hostnames_are_refused_and_no_brand_is_made(
    world, settings, hostname, code
) -> None:
    settings.PUBLIC_BASE_URL = "https://brandroom.example.com"
    settings.ALLOWED_HOSTS = ["api.platform.example.com", ".brands.example.com", "testserver"]
    response = create(world, hostname)
    assert response.status_code == 400, response.json()
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("hostname", code)
    assert not Brand.objects.filter(slug="host-brand").exists()


def test_a_hostname_is_stored_lower_cased_without_the_trailing_dot(world, settings) -> None:
    settings.ALLOWED_HOSTS = [".brands.example.com", "testserver"]
    response = create(world, "Coffee.Brands.Example.COM.")
    assert response.status_code == 201, response.json()
    assert Domain.objects.get(tenant__slug="host-brand").domain == "coffee.brands.example.com"


@pytest.mark.parametrize("host", ["testserver", "localhost", "127.0.0.1"])
def test_platform_routes_win_on_the_platforms_hosts_even_if_a_brand_claimed_one(
    world, host
) -> None:
    # A claim stored before hostnames were checked.
    Domain.objects.create(tenant=world.a.brand, domain=host)
    client = APIClient(HTTP_HOST=host)
    assert client.get("/api/v1/health/").status_code == 200
    person = world.a.people["copywriter"]
    token = client.post("/api/v1/auth/token/", {"username": person.username, "password": PASSWORD})
    assert token.status_code == 200, token.content
    assert client.get("/approve/sign-in/").status_code == 200
