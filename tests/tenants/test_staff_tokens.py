"""Staff tokens are hashed, expire, die with a password change or deactivation, and can be
listed and revoked by their owner (issue 14, item 4).

Before: DRF's tokens were stored in plaintext, never expired, survived a password change and
could not be revoked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.models import StaffToken
from tenants.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(user) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()["token"], response.json()


def me(token: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code


def test_the_token_is_stored_only_as_a_digest_and_expires(world, settings) -> None:
    token, body = sign_in(world.a.person(Role.COPYWRITER))
    assert me(token) == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, secret_hash FROM tenants_stafftoken")
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert token.split(".", 1)[1] not in stored
    expiry = timezone.datetime.fromisoformat(body["expires_at"])
    ttl = timedelta(hours=settings.STAFF_TOKEN_TTL_HOURS)
    assert timezone.now() + ttl - timedelta(minutes=1) < expiry <= timezone.now() + ttl

    StaffToken.objects.filter(key=body["key"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert me(token) == 401


def test_a_password_change_revokes_every_token(world) -> None:
    person = world.a.person(Role.STRATEGIST)
    first, _ = sign_in(person)
    second, _ = sign_in(person)
    person.set_password("a-brand-new-passphrase")
    person.save()
    assert me(first) == 401
    assert me(second) == 401


def test_deactivation_revokes_every_token(world) -> None:
    person = world.a.person(Role.ACCOUNT_LEAD)
    token, _ = sign_in(person)
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert me(token) == 401
    assert not StaffToken.objects.filter(user=person).exists()


def test_people_list_and_revoke_their_own_tokens_only(world) -> None:
    alice = world.a.person(Role.COPYWRITER)
    laptop, laptop_body = sign_in(alice)
    phone, phone_body = sign_in(alice)
    bob_token, bob_body = sign_in(world.b.person(Role.COPYWRITER))

    alice_api = APIClient(HTTP_AUTHORIZATION=f"Token {laptop}")
    listed = alice_api.get("/api/v1/auth/tokens/").json()
    assert {row["key"] for row in listed} == {
        laptop_body["key"],
        phone_body["key"],
    }
    assert [row["current"] for row in listed if row["key"] == laptop_body["key"]] == [True]
    assert all(phone not in str(row) and laptop not in str(row) for row in listed)

    # Bob's token is not Alice's to revoke: 404, and it keeps working.
    refused = alice_api.delete(f"/api/v1/auth/tokens/{bob_body['key']}/")
    assert refused.status_code == 404
    assert me(bob_token) == 200

    revoked = alice_api.delete(f"/api/v1/auth/tokens/{phone_body['key']}/")
    assert revoked.status_code == 204
    assert me(phone) == 401
    assert me(laptop) == 200


def test_a_garbled_token_is_a_401_not_a_500(world) -> None:
    client = APIClient(HTTP_AUTHORIZATION="Token \xff\xfe-not-utf8")
    assert client.get("/api/v1/me/").status_code == 401
