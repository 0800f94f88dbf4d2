"""Idempotency-Key on POST: replays, a different body (422), a request still running (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from brandroom.http import idempotency
from brandroom.http.models import IdempotencyRecord
from content.models import Channel
from tenants import services as tenant_services
from tenants.models import Membership
from tenants.roles import Scope
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def integrator(world):
    key, secret = tenant_services.create_api_key(
        brand=world.a.brand, name="scheduler", scopes=[Scope.READ, Scope.WRITE_CONTENT]
    )
    return key, APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")


def channels_url(world) -> str:
    return f"/brands/{world.a.brand.slug}/api/v1/channels/"


def channel_handles(world) -> list[str]:
    with schema_context(world.a.brand.schema_name):
        return sorted(Channel.objects.values_list("handle", flat=True))


def test_repeat_with_same_key_and_body_returns_the_stored_response(world, integrator) -> None:
    _key, client = integrator
    body = {"network": "x", "handle": "alpine"}
    first = client.post(channels_url(world), body, HTTP_IDEMPOTENCY_KEY="create-alpine-1")
    again = client.post(channels_url(world), body, HTTP_IDEMPOTENCY_KEY="create-alpine-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert channel_handles(world) == ["alpine"]


def test_same_key_with_a_different_body_gets_422_and_changes_nothing(world, integrator) -> None:
    _key, client = integrator
    client.post(
        channels_url(world), {"network": "x", "handle": "alpine"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    other = client.post(
        channels_url(world), {"network": "x", "handle": "other"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert channel_handles(world) == ["alpine"]


def test_repeat_while_the_first_request_is_still_running_gets_409(world, integrator) -> None:
    key, client = integrator
    body = {"network": "x", "handle": "alpine"}
    # The first request has claimed the key and is still in its view.
    fingerprint = idempotency.fingerprint_of(
        method="POST",
        path=channels_url(world),
        body=b'{"network":"x","handle":"alpine"}',
    )
    outcome, _ = idempotency.claim(
        scope=f"brand:{world.a.brand.pk}|key:{key.pk}",
        key="slow-1",
        fingerprint=fingerprint,
        now=timezone.now(),
    )
    assert outcome is idempotency.Outcome.CLAIMED

    response = client.post(channels_url(world), body, HTTP_IDEMPOTENCY_KEY="slow-1")
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "idempotency_key_in_use"
    assert response["Retry-After"] == "1"
    assert channel_handles(world) == []


def test_keys_are_scoped_per_caller(world, integrator) -> None:
    _key, client = integrator
    writer = client_for(world.admin)
    a = client.post(
        channels_url(world), {"network": "x", "handle": "one"}, HTTP_IDEMPOTENCY_KEY="shared"
    )
    b = writer.post(
        channels_url(world), {"network": "x", "handle": "two"}, HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert channel_handles(world) == ["one", "two"]


def test_a_refused_request_is_replayed_as_refused_not_run_again(world, integrator) -> None:
    _key, client = integrator
    bad = {"network": "no-such-network", "handle": "alpine"}
    first = client.post(channels_url(world), bad, HTTP_IDEMPOTENCY_KEY="bad-1")
    again = client.post(channels_url(world), bad, HTTP_IDEMPOTENCY_KEY="bad-1")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


def test_platform_post_is_idempotent_too(world) -> None:
    admin = client_for(world.admin)
    newcomer = UserFactory()
    url = f"/api/v1/brands/{world.a.brand.slug}/memberships/"
    body = {"email": newcomer.email, "role": "copywriter"}
    first = admin.post(url, body, HTTP_IDEMPOTENCY_KEY="add-newcomer")
    again = admin.post(url, body, HTTP_IDEMPOTENCY_KEY="add-newcomer")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Membership.objects.filter(brand=world.a.brand, user=newcomer).count() == 1


def test_post_without_the_header_is_not_deduplicated(world, integrator) -> None:
    _key, client = integrator
    client.post(channels_url(world), {"network": "x", "handle": "one"})
    again = client.post(channels_url(world), {"network": "x", "handle": "one"})
    assert again.status_code == 400  # the channel's own rule answers: it ran again
    assert IdempotencyRecord.objects.count() == 0


def test_overlong_key_is_refused(world, integrator) -> None:
    _key, client = integrator
    response = client.post(
        channels_url(world), {"network": "x", "handle": "one"}, HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400
    assert channel_handles(world) == []


def test_expired_keys_are_removed_and_can_be_used_again(world, integrator) -> None:
    key, client = integrator
    body = {"network": "x", "handle": "one"}
    client.post(channels_url(world), body, HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency.expire_records(now=timezone.now()) == 1
    assert IdempotencyRecord.objects.count() == 0
    again = client.post(
        channels_url(world), {"network": "x", "handle": "two"}, HTTP_IDEMPOTENCY_KEY="old"
    )
    assert again.status_code == 201


def test_signed_in_person_gets_the_same_replay(world) -> None:
    browser = Client()
    assert browser.login(username=world.admin.username, password=PASSWORD)
    body = {"network": "x", "handle": "session"}
    first = browser.post(
        channels_url(world), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s-1"
    )
    again = browser.post(
        channels_url(world), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert channel_handles(world) == ["session"]


def _multipart(boundary: str, handle: str) -> bytes:
    return (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="network"\r\n\r\nx\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="handle"\r\n\r\n'
        f"{handle}\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def test_a_retried_multipart_post_replays_though_the_client_chose_a_new_boundary(
    world, integrator
) -> None:
    # Most HTTP clients pick a fresh multipart boundary on every send, retries included.
    _key, client = integrator

    def send(boundary: str, handle: str):  # type: ignore[no-untyped-def]
        return client.post(
            channels_url(world),
            data=_multipart(boundary, handle),
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first = send("aaaa1111", "multi")
    again = send("bbbb2222", "multi")
    assert first.status_code == again.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert channel_handles(world) == ["multi"]
    # A different form under the same key is still a different request.
    assert send("cccc3333", "other").status_code == 422
