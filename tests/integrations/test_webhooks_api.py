"""The webhook endpoint API: who may manage endpoints, and which URLs are refused (SSRF)."""

from __future__ import annotations

import socket

import pytest
from django_tenants.utils import schema_context

from integrations import events, services
from integrations.models import Delivery, WebhookEndpoint
from tenants.roles import Role, Scope
from tests.conftest import client_for
from tests.integrations.conftest import key_client

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/hooks"  # an IP literal: resolves without DNS


def endpoints_url(slug: str) -> str:
    return f"/brands/{slug}/api/v1/webhooks/endpoints/"


def endpoint_count(brand) -> int:
    with schema_context(brand.schema_name):
        return WebhookEndpoint.objects.count()


def test_agency_admin_registers_an_endpoint_and_sees_the_secret_only_once(world) -> None:
    admin = client_for(world.admin)
    created = admin.post(
        endpoints_url(world.a.brand.slug),
        {"url": PUBLIC_URL, "event_types": ["draft.ready", "approval.decided"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["status"] == "active"
    assert body["event_types"] == ["approval.decided", "draft.ready"]

    listed = admin.get(endpoints_url(world.a.brand.slug)).json()["results"]
    assert [row["url"] for row in listed] == [PUBLIC_URL]
    assert "secret" not in listed[0]
    detail = admin.get(f"{endpoints_url(world.a.brand.slug)}{body['id']}/").json()
    assert "secret" not in detail
    assert endpoint_count(world.b.brand) == 0


def test_unknown_event_type_in_the_filter_is_refused_naming_the_field(world) -> None:
    response = client_for(world.admin).post(
        endpoints_url(world.a.brand.slug), {"url": PUBLIC_URL, "event_types": ["draft.eaten"]}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].startswith("event_types")
    assert endpoint_count(world.a.brand) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hooks",
        "http://127.0.0.1:8000/hooks",
        "http://127.8.9.10/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 for 169.254.169.254
        "http://[2002:7f00:1::1]/hooks",  # 6to4 for 127.0.0.1
        "http://[fd00::1]/hooks",
        "http://[fe80::1]/hooks",
        "http://0.0.0.0/hooks",
        "http://192.168.1.20/hooks",
        "http://100.64.0.1/hooks",
        "http://localhost:8080/hooks",
    ],
)
def test_private_loopback_and_link_local_urls_are_refused_with_400_naming_url(world, url) -> None:
    response = client_for(world.admin).post(endpoints_url(world.a.brand.slug), {"url": url})
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["attr"] == "url"
    assert error["code"] == "forbidden_destination"
    assert endpoint_count(world.a.brand) == 0


def test_refusing_a_local_receiver_says_how_to_allow_one_outside_production(
    world, settings
) -> None:
    url = "http://127.0.0.1:9000/hooks"
    answer = client_for(world.admin).post(endpoints_url(world.a.brand.slug), {"url": url})
    assert "WEBHOOKS_ALLOW_PRIVATE_URLS=true" in answer.json()["errors"][0]["detail"]
    settings.PRODUCTION = True  # no hint at a setting production refuses
    answer = client_for(world.admin).post(endpoints_url(world.a.brand.slug), {"url": url})
    assert answer.status_code == 400
    assert "WEBHOOKS_ALLOW_PRIVATE_URLS" not in answer.json()["errors"][0]["detail"]


def test_hostname_is_refused_when_any_of_its_addresses_is_private(world, monkeypatch) -> None:
    # DNS is the network edge: one public and one loopback answer for the same name.
    def fake_getaddrinfo(host, port, *args, **kwargs):
        assert host == "hooks.example.test"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    response = client_for(world.admin).post(
        endpoints_url(world.a.brand.slug), {"url": "https://hooks.example.test/in"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "url"
    assert "loopback" in response.json()["errors"][0]["detail"]


def test_unresolvable_host_is_refused(world) -> None:
    response = client_for(world.admin).post(
        endpoints_url(world.a.brand.slug), {"url": "https://no-such-host.invalid/in"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "url"


def test_changing_the_url_to_a_private_address_is_refused(world) -> None:
    admin = client_for(world.admin)
    created = admin.post(endpoints_url(world.a.brand.slug), {"url": PUBLIC_URL}).json()
    response = admin.patch(
        f"{endpoints_url(world.a.brand.slug)}{created['id']}/", {"url": "http://10.0.0.5/x"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "url"
    with schema_context(world.a.brand.schema_name):
        assert WebhookEndpoint.objects.get().url == PUBLIC_URL


def test_development_setting_allows_loopback_urls(world, allow_private_urls) -> None:
    response = client_for(world.admin).post(
        endpoints_url(world.a.brand.slug), {"url": "http://127.0.0.1:9000/hooks"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "role", [Role.ACCOUNT_LEAD, Role.COPYWRITER, Role.CLIENT_APPROVER, Role.CLIENT_VIEWER]
)
def test_only_agency_admins_manage_webhooks(world, role) -> None:
    client = client_for(world.a.person(role))
    url = endpoints_url(world.a.brand.slug)
    assert client.get(url).status_code == 403
    assert client.post(url, {"url": PUBLIC_URL}).status_code == 403
    assert endpoint_count(world.a.brand) == 0


def test_member_of_the_other_brand_learns_nothing_and_changes_nothing(world) -> None:
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url=PUBLIC_URL, event_types=[])
        event = services.emit_event(event_type=events.DRAFT_READY, data={})
        delivery = Delivery.objects.get(event=event)
    bob = client_for(world.b.person(Role.ACCOUNT_LEAD))
    base = f"/brands/{world.a.brand.slug}/api/v1/webhooks"
    assert bob.get(f"{base}/endpoints/").status_code == 404
    assert bob.post(f"{base}/endpoints/", {"url": PUBLIC_URL}).status_code == 404
    assert bob.patch(f"{base}/endpoints/{endpoint.pk}/", {"status": "disabled"}).status_code == 404
    assert bob.delete(f"{base}/endpoints/{endpoint.pk}/").status_code == 404
    assert bob.get(f"{base}/deliveries/").status_code == 404
    assert bob.post(f"{base}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert bob.get(f"/brands/{world.a.brand.slug}/api/v1/events/").status_code == 404
    with schema_context(world.a.brand.schema_name):
        assert WebhookEndpoint.objects.get().status == "active"
        assert Delivery.objects.count() == 1


def test_api_keys_cannot_manage_webhooks_but_can_read_events(world) -> None:
    with schema_context(world.a.brand.schema_name):
        services.emit_event(event_type=events.APPROVAL_REQUESTED, data={"request_id": 5})
    client = key_client(world.a.brand, scopes=list(Scope.values))
    assert client.post(endpoints_url(world.a.brand.slug), {"url": PUBLIC_URL}).status_code == 403
    assert endpoint_count(world.a.brand) == 0
    feed = client.get(f"/brands/{world.a.brand.slug}/api/v1/events/")
    assert feed.status_code == 200
    [event] = feed.json()["results"]
    assert (event["type"], event["data"]) == ("approval.requested", {"request_id": 5})
    # A key of brand A is refused on brand B.
    assert client.get(f"/brands/{world.b.brand.slug}/api/v1/events/").status_code == 404


def test_admin_deletes_an_endpoint(world) -> None:
    admin = client_for(world.admin)
    created = admin.post(endpoints_url(world.a.brand.slug), {"url": PUBLIC_URL}).json()
    assert admin.delete(f"{endpoints_url(world.a.brand.slug)}{created['id']}/").status_code == 204
    assert endpoint_count(world.a.brand) == 0


def test_event_types_are_listed_for_integrators(world) -> None:
    client = key_client(world.a.brand)
    response = client.get(f"/brands/{world.a.brand.slug}/api/v1/webhooks/event-types/")
    assert response.status_code == 200
    assert {row["type"] for row in response.json()} == set(events.ALL_EVENT_TYPES)


def test_admin_reads_the_delivery_log_per_endpoint(world) -> None:
    with schema_context(world.a.brand.schema_name):
        first, _ = services.create_endpoint(url=PUBLIC_URL, event_types=[])
        second, _ = services.create_endpoint(
            url="https://93.184.216.35/x", event_types=[events.BOOST_ALERT]
        )
        services.emit_event(event_type=events.DRAFT_READY, data={})
        services.emit_event(event_type=events.BOOST_ALERT, data={"campaign": 9})
    admin = client_for(world.admin)
    base = f"/brands/{world.a.brand.slug}/api/v1/webhooks/deliveries/"

    everything = admin.get(base).json()["results"]
    assert len(everything) == 3
    only_second = admin.get(base, {"endpoint": second.pk}).json()["results"]
    assert [(row["event_type"], row["status"]) for row in only_second] == [
        ("boost.alert", "pending")
    ]
    assert admin.get(base, {"endpoint": first.pk, "status": "failed"}).json()["results"] == []
