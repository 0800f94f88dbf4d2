"""Cross-brand access is refused for every kind of credential, and refusals change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from content import services as content_services
from content.models import Channel
from tenants import services
from tenants.models import Brand, Domain
from tenants.roles import Role, Scope
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def channels_url(slug: str) -> str:
    return f"/brands/{slug}/api/v1/channels/"


@pytest.fixture
def a_channel(world):
    with schema_context(world.a.brand.schema_name):
        return content_services.create_channel(network="x", handle="alpinecoffee")


@pytest.fixture
def b_channel(world):
    with schema_context(world.b.brand.schema_name):
        return content_services.create_channel(network="x", handle="baysidebikes")


def handles(response) -> set[str]:
    return {row["handle"] for row in response.json()["results"]}


def test_member_sees_only_their_brands_channels(world, a_channel, b_channel) -> None:
    alice = world.a.person(Role.COPYWRITER)
    response = client_for(alice).get(channels_url(world.a.brand.slug))
    assert response.status_code == 200
    assert handles(response) == {"alpinecoffee"}


def test_session_of_brand_a_member_gets_404_on_brand_b(world, b_channel) -> None:
    alice = world.a.person(Role.COPYWRITER)
    browser = Client()
    assert browser.login(username=alice.username, password=PASSWORD)
    response = browser.get(channels_url(world.b.brand.slug))
    assert response.status_code == 404
    assert "baysidebikes" not in response.content.decode()


def test_token_of_brand_a_member_gets_404_on_brand_b(world, b_channel) -> None:
    alice = world.a.person(Role.ACCOUNT_LEAD)
    _token, raw = services.issue_staff_token(user=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200
    assert client.get(channels_url(world.b.brand.slug)).status_code == 404
    created = client.post(channels_url(world.b.brand.slug), {"network": "x", "handle": "evil"})
    assert created.status_code == 404
    with schema_context(world.b.brand.schema_name):
        assert list(Channel.objects.values_list("handle", flat=True)) == ["baysidebikes"]


def test_api_key_works_only_on_its_own_brand(world, a_channel, b_channel) -> None:
    _key, secret = services.create_api_key(
        brand=world.a.brand, name="scheduler", scopes=[Scope.READ]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    own = client.get(channels_url(world.a.brand.slug))
    assert own.status_code == 200
    assert handles(own) == {"alpinecoffee"}
    assert client.get(channels_url(world.b.brand.slug)).status_code == 404


def test_api_key_on_brand_hostname_of_another_brand_gets_404(world, b_channel) -> None:
    Domain.objects.create(tenant=world.b.brand, domain="bikes.example.test")
    _key, secret = services.create_api_key(
        brand=world.a.brand, name="scheduler", scopes=[Scope.READ]
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}", HTTP_HOST="bikes.example.test")
    assert client.get("/api/v1/channels/").status_code == 404


def test_brand_hostname_routes_to_that_brand(world, a_channel, b_channel) -> None:
    Domain.objects.create(tenant=world.a.brand, domain="coffee.example.test")
    client = client_for(world.a.person(Role.STRATEGIST))
    response = client.get("/api/v1/channels/", HTTP_HOST="coffee.example.test")
    assert response.status_code == 200
    assert handles(response) == {"alpinecoffee"}


def test_api_key_without_write_scope_cannot_create_and_nothing_changes(world) -> None:
    _key, secret = services.create_api_key(brand=world.a.brand, name="bi", scopes=[Scope.READ])
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    response = client.post(channels_url(world.a.brand.slug), {"network": "x", "handle": "new"})
    assert response.status_code == 403
    assert "write:content" in response.json()["errors"][0]["detail"]
    with schema_context(world.a.brand.schema_name):
        assert not Channel.objects.filter(handle="new").exists()


def test_revoked_or_wrong_api_key_is_401(world) -> None:
    key, secret = services.create_api_key(brand=world.a.brand, name="old", scopes=[Scope.READ])
    services.revoke_api_key(key=key)
    revoked = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert revoked.get(channels_url(world.a.brand.slug)).status_code == 401
    forged = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key.prefix}.not-the-secret")
    assert forged.get(channels_url(world.a.brand.slug)).status_code == 401


def test_api_key_cannot_use_the_platform_api(world) -> None:
    _key, secret = services.create_api_key(brand=world.a.brand, name="x", scopes=[Scope.READ])
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/brands/").status_code == 403


def test_anonymous_request_is_401(world) -> None:
    assert APIClient().get(channels_url(world.a.brand.slug)).status_code == 401


def test_unknown_brand_is_404(world) -> None:
    client = client_for(world.admin)
    assert client.get(channels_url("no-such-brand")).status_code == 404


def test_suspended_brand_blocks_api_until_reactivated(world, a_channel) -> None:
    client = client_for(world.admin)
    response = client.patch(
        f"/api/v1/brands/{world.a.brand.slug}/", {"status": "suspended"}, format="json"
    )
    assert response.status_code == 200
    blocked = client.get(channels_url(world.a.brand.slug))
    assert blocked.status_code == 403
    assert blocked.json()["errors"][0]["code"] == "brand_suspended"

    client.patch(f"/api/v1/brands/{world.a.brand.slug}/", {"status": "active"}, format="json")
    restored = client.get(channels_url(world.a.brand.slug))
    assert restored.status_code == 200
    assert handles(restored) == {"alpinecoffee"}


def test_times_are_iso_8601_with_the_brands_offset(world, a_channel) -> None:
    client = client_for(world.a.person(Role.ANALYST))
    created_at = client.get(channels_url(world.a.brand.slug)).json()["results"][0]["created_at"]
    assert created_at[-6:] in {"+01:00", "+02:00"}  # Europe/Zurich


# --- Permission matrix: every role on channels, plus a member of another brand -------------

WRITERS = {Role.AGENCY_ADMIN, Role.ACCOUNT_LEAD, Role.STRATEGIST}


@pytest.mark.parametrize("role", list(Role))
def test_channel_permission_matrix(world, role) -> None:
    person = world.a.person(role)
    client = client_for(person)
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200

    response = client.post(
        channels_url(world.a.brand.slug), {"network": "threads", "handle": f"h-{role}"}
    )
    with schema_context(world.a.brand.schema_name):
        exists = Channel.objects.filter(handle=f"h-{role}").exists()
    if role in WRITERS:
        assert response.status_code == 201, response.json()
        assert exists
    else:
        assert response.status_code == 403
        assert not exists


def test_member_of_another_brand_is_refused_every_action(world, a_channel) -> None:
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    url = channels_url(world.a.brand.slug)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"network": "x", "handle": "sneaky"}).status_code == 404
    assert outsider.patch(f"{url}{a_channel.pk}/", {"name": "hacked"}).status_code == 404
    assert outsider.delete(f"{url}{a_channel.pk}/").status_code == 404
    with schema_context(world.a.brand.schema_name):
        channel = Channel.objects.get(pk=a_channel.pk)
        assert channel.name == ""
        assert not Channel.objects.filter(handle="sneaky").exists()


def test_a_suspended_brand_tells_only_its_own_that_it_is_suspended(world, a_channel) -> None:
    _key, secret = services.create_api_key(brand=world.a.brand, name="own", scopes=["read"])
    _other, other_secret = services.create_api_key(
        brand=world.b.brand, name="other", scopes=["read"]
    )
    # A fresh copy: the session-wide world.a.brand must not stay marked suspended.
    services.suspend_brand(brand=Brand.objects.get(pk=world.a.brand.pk))
    url = channels_url(world.a.brand.slug)

    def answer(client: APIClient) -> tuple[int, str]:
        response = client.get(url)
        return response.status_code, response.json()["errors"][0]["code"]

    anonymous = APIClient()
    own_key, other_key = APIClient(), APIClient()
    own_key.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    other_key.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_secret}")
    assert answer(client_for(world.a.person(Role.COPYWRITER))) == (403, "brand_suspended")
    assert answer(own_key) == (403, "brand_suspended")
    assert answer(client_for(world.b.person(Role.COPYWRITER))) == (404, "not_found")
    assert answer(other_key) == (404, "not_found")
    # Someone who has not signed in gets what they get for any brand, existing or not.
    assert answer(anonymous) == (401, "not_authenticated")
    assert APIClient().get(channels_url("no-such-brand")).status_code == 401
    # The approvers' phone view tells outsiders nothing either: the sign-in page, as for any.
    phone = APIClient().get(f"/brands/{world.a.brand.slug}/approve/")
    assert phone.status_code == 302
    assert phone["Location"].startswith("/approve/sign-in/")
