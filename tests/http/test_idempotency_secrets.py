"""Secrets are never kept or replayed by Idempotency-Key (issue 14, item 3).

Before: creating an API key or rotating a webhook secret with an ``Idempotency-Key`` stored the
whole response, secret included, in plaintext for 24 hours, and replayed it to a repeat.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from brandroom.http.models import IdempotencyRecord
from integrations.models import WebhookEndpoint
from tenants.models import ApiKey
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def stored_bodies() -> bytes:
    return b"".join(
        bytes(body or b"")
        for body in IdempotencyRecord.objects.values_list("response_body", flat=True)
    )


def assert_refused_repeat(again, original: str) -> None:  # type: ignore[no-untyped-def]
    assert again.status_code == 409
    error = again.json()["errors"][0]
    assert error["code"] == "idempotency_key_used_for_secret"
    assert original in error["detail"]
    assert "secret" not in again.json() or again.json().get("secret") is None


def test_api_key_creation_is_not_replayed_and_its_secret_is_not_stored(world) -> None:
    admin = client_for(world.admin)
    url = "/api/v1/brands/alpine-coffee/api-keys/"
    body = {"name": "scheduler", "scopes": ["read"]}
    first = admin.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="new-key-1")
    assert first.status_code == 201
    secret = first.json()["secret"]
    assert secret.split(".", 1)[1].encode() not in stored_bodies()

    again = admin.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="new-key-1")
    assert_refused_repeat(again, f"created API key {first.json()['id']}")
    assert secret not in again.content.decode()
    assert first.json()["prefix"] in again.json()["errors"][0]["detail"]
    assert ApiKey.objects.filter(brand=world.a.brand, name="scheduler").count() == 1


def test_webhook_secrets_are_not_replayed_nor_stored(world) -> None:
    admin = client_for(world.a.person(Role.AGENCY_ADMIN))
    base = "/brands/alpine-coffee/api/v1/webhooks/endpoints/"
    body = {"url": "https://93.184.216.34/hooks", "event_types": []}
    created = admin.post(base, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert created.status_code == 201, created.json()
    endpoint_id = created.json()["id"]
    again = admin.post(base, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert_refused_repeat(again, f"created webhook endpoint {endpoint_id}")

    rotate = f"{base}{endpoint_id}/rotate-secret/"
    rotated = admin.post(rotate, HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert rotated.status_code == 200
    again = admin.post(rotate, HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert_refused_repeat(again, f"webhook endpoint {endpoint_id}")

    for secret in (created.json()["secret"], rotated.json()["secret"]):
        assert secret.encode() not in stored_bodies()
    with schema_context(world.a.brand.schema_name):
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        # The repeat rotated nothing: the current secret is still the one shown once.
        assert endpoint.secret == rotated.json()["secret"]
