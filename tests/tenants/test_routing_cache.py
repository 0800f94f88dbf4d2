"""A brand request reads its brand, the caller's token and their role in one statement, fresh
every request (issue 20, tenants.route_lookup): whatever changed since the caller's last
request, through a service or straight in the database as another process would, counts on the
very next one. And a brand request costs no more statements than guarded below."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from content import services as content_services
from content.models import Channel
from tenants import services
from tenants.models import Brand, Membership
from tenants.roles import Role

pytestmark = pytest.mark.django_db


def channels_url(slug: str) -> str:
    return f"/brands/{slug}/api/v1/channels/"


def token_client(user) -> tuple[APIClient, str]:  # type: ignore[no-untyped-def]
    token, raw = services.issue_staff_token(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {raw}"), token.key


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["errors"][0]["code"]


def handles_in(schema: str) -> list[str]:
    with schema_context(schema):
        return sorted(Channel.objects.values_list("handle", flat=True))


@pytest.fixture
def a_channel(world):
    with schema_context(world.a.brand.schema_name):
        return content_services.create_channel(network="x", handle="alpinecoffee")


@pytest.fixture
def b_channel(world):
    with schema_context(world.b.brand.schema_name):
        return content_services.create_channel(network="x", handle="baysidebikes")


def test_a_removed_member_is_refused_on_the_next_request(world, a_channel) -> None:
    carla = world.a.person(Role.COPYWRITER)
    client, _ = token_client(carla)
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200

    services.remove_member(membership=Membership.objects.get(brand=world.a.brand, user=carla))

    refused = client.get(channels_url(world.a.brand.slug))
    assert refused.status_code == 404
    assert "alpinecoffee" not in refused.content.decode()


def test_a_membership_deleted_by_another_process_is_refused_on_the_next_request(
    world, a_channel
) -> None:
    # Straight in the database, with no signal or hook in this process to hear of it.
    carla = world.a.person(Role.COPYWRITER)
    client, _ = token_client(carla)
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM public.tenants_membership WHERE brand_id = %s AND user_id = %s",
            [world.a.brand.pk, carla.pk],
        )
    assert client.get(channels_url(world.a.brand.slug)).status_code == 404


def test_a_role_downgrade_takes_effect_on_the_next_request(world, a_channel) -> None:
    sam = world.a.person(Role.STRATEGIST)
    client, _ = token_client(sam)
    url = channels_url(world.a.brand.slug)
    assert client.post(url, {"network": "threads", "handle": "before"}).status_code == 201

    services.change_member_role(
        membership=Membership.objects.get(brand=world.a.brand, user=sam),
        role=Role.COPYWRITER,
        actor=world.admin,
    )

    refused = client.post(url, {"network": "threads", "handle": "after"})
    assert refused.status_code == 403
    assert "copywriter" in refused.json()["errors"][0]["detail"]
    assert handles_in(world.a.brand.schema_name) == ["alpinecoffee", "before"]
    assert client.get(url).status_code == 200  # still a member, who may read


def test_a_revoked_token_is_refused_on_the_next_request(world, a_channel) -> None:
    lena = world.a.person(Role.ACCOUNT_LEAD)
    client, key = token_client(lena)
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200

    assert services.revoke_staff_token(user=lena, key=key)

    refused = client.get(channels_url(world.a.brand.slug))
    assert refused.status_code == 401
    assert error_code(refused) == "authentication_failed"


def test_a_person_deactivated_in_the_database_is_refused_on_the_next_request(
    world, a_channel
) -> None:
    # A bulk update skips User.save(), so the token row survives: the person's state counts.
    lena = world.a.person(Role.ACCOUNT_LEAD)
    client, _ = token_client(lena)
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200
    type(lena).objects.filter(pk=lena.pk).update(is_active=False)
    assert client.get(channels_url(world.a.brand.slug)).status_code == 401


def test_a_wrong_secret_for_a_real_token_key_is_refused(world, a_channel) -> None:
    _client, key = token_client(world.a.person(Role.ACCOUNT_LEAD))
    forged = APIClient(HTTP_AUTHORIZATION=f"Token {key}.not-the-secret")
    response = forged.get(channels_url(world.a.brand.slug))
    assert response.status_code == 401
    assert "alpinecoffee" not in response.content.decode()


def test_a_renamed_slug_routes_at_once_and_the_old_one_is_gone(world, a_channel) -> None:
    client, _ = token_client(world.a.person(Role.ANALYST))
    old = world.a.brand.slug
    assert client.get(channels_url(old)).status_code == 200

    Brand.objects.filter(pk=world.a.brand.pk).update(slug="alpine-roasters")

    assert client.get(channels_url(old)).status_code == 404
    renamed = client.get(channels_url("alpine-roasters"))
    assert renamed.status_code == 200
    assert [row["handle"] for row in renamed.json()["results"]] == ["alpinecoffee"]


def test_a_suspension_counts_on_the_next_request(world, a_channel) -> None:
    client, _ = token_client(world.a.person(Role.ANALYST))
    assert client.get(channels_url(world.a.brand.slug)).status_code == 200
    services.suspend_brand(brand=Brand.objects.get(pk=world.a.brand.pk))
    blocked = client.get(channels_url(world.a.brand.slug))
    assert (blocked.status_code, error_code(blocked)) == (403, "brand_suspended")


def test_another_brands_member_is_refused_and_nothing_changes(world, a_channel, b_channel) -> None:
    bea, _ = token_client(world.b.person(Role.ACCOUNT_LEAD))
    assert bea.get(channels_url(world.b.brand.slug)).status_code == 200
    url = channels_url(world.a.brand.slug)
    assert bea.get(url).status_code == 404
    assert bea.post(url, {"network": "x", "handle": "sneaky"}).status_code == 404
    assert handles_in(world.a.brand.schema_name) == ["alpinecoffee"]


def test_each_brand_request_reads_its_own_schema_on_one_connection(
    world, a_channel, b_channel
) -> None:
    # The routing statement switches the search_path itself; alternating brands (and the
    # platform API between them) on one connection must never read the previous brand's rows.
    admin, _ = token_client(world.admin)
    for _ in range(2):
        for brand, handle in ((world.a.brand, "alpinecoffee"), (world.b.brand, "baysidebikes")):
            response = admin.get(channels_url(brand.slug))
            assert [row["handle"] for row in response.json()["results"]] == [handle]
            assert admin.get("/api/v1/me/").status_code == 200
    assert admin.get(channels_url("no-such-brand")).status_code == 404
    response = admin.get(channels_url(world.b.brand.slug))
    assert [row["handle"] for row in response.json()["results"]] == ["baysidebikes"]


def test_a_brand_request_makes_at_most_three_statements(world, a_channel, settings) -> None:
    # The routing statement (brand, token, person, role and search_path), the brand's rate
    # limit counter and the list itself. Before issue 20: 5 queries and 2 `SET search_path`.
    settings.TENANT_LIMIT_SET_CALLS = True
    client, _ = token_client(world.a.person(Role.COPYWRITER))
    url = channels_url(world.a.brand.slug)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert [row["handle"] for row in response.json()["results"]] == ["alpinecoffee"]
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) <= 3, statements
    assert not [sql for sql in statements if sql.startswith("SET search_path")]


@pytest.mark.parametrize(
    "header",
    ["Token ", "Token nodot", "Token ab'c.secret", "Token a b.secret", "Token \u00e9\u00e9.secret"],
)
def test_a_malformed_token_on_a_brand_route_is_401_and_reads_nothing(
    world, a_channel, header
) -> None:
    response = APIClient(HTTP_AUTHORIZATION=header).get(channels_url(world.a.brand.slug))
    assert response.status_code == 401
    assert "alpinecoffee" not in response.content.decode()
