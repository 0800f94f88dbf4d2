"""The issue's API key rules, end to end: admins create scoped keys, the secret is shown once
and stored hashed, use is recorded, revocation bites, and a key stays on its own brand."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.models import ApiKey
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def keys_url(slug: str) -> str:
    return f"/api/v1/brands/{slug}/api-keys/"


def test_admin_creates_a_scoped_key_whose_secret_is_shown_once_and_stored_hashed(world) -> None:
    admin = client_for(world.admin)
    created = admin.post(
        keys_url(world.a.brand.slug), {"name": "crm", "scopes": ["read", "ingest:inbox"]}
    )
    assert created.status_code == 201
    body = created.json()
    secret = body["secret"]
    assert secret.startswith(body["prefix"] + ".")
    assert body["scopes"] == ["ingest:inbox", "read"]

    listed = admin.get(keys_url(world.a.brand.slug)).json()
    assert [row["prefix"] for row in listed] == [body["prefix"]]
    assert "secret" not in listed[0]
    stored = ApiKey.objects.get(pk=body["id"])
    assert secret.split(".", 1)[1] not in stored.secret_hash

    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get(f"/brands/{world.a.brand.slug}/api/v1/").status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert client.get(f"/brands/{world.b.brand.slug}/api/v1/").status_code == 404

    revoked = admin.post(f"{keys_url(world.a.brand.slug)}{body['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get(f"/brands/{world.a.brand.slug}/api/v1/").status_code == 401


@pytest.mark.parametrize("role", [Role.ACCOUNT_LEAD, Role.COPYWRITER, Role.CLIENT_APPROVER])
def test_only_agency_admins_create_keys(world, role) -> None:
    response = client_for(world.a.person(role)).post(
        keys_url(world.a.brand.slug), {"name": "sneaky", "scopes": ["read"]}
    )
    assert response.status_code == 403
    assert not ApiKey.objects.filter(name="sneaky").exists()


def test_member_of_the_other_brand_cannot_create_or_see_keys(world) -> None:
    bob = client_for(world.b.person(Role.ACCOUNT_LEAD))
    assert bob.get(keys_url(world.a.brand.slug)).status_code == 404
    response = bob.post(keys_url(world.a.brand.slug), {"name": "sneaky", "scopes": ["read"]})
    assert response.status_code == 404
    assert not ApiKey.objects.filter(name="sneaky").exists()
