"""The staff cockpit page: signed-in people see what waits for them across their brands, most
urgent first, with the counts the API gives; nobody sees another brand's rows."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.roles import Role
from tests.conftest import client_for
from tests.tenants.test_attention import open_reply

pytestmark = pytest.mark.django_db
PAGE = "/cockpit/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_strangers_are_sent_to_sign_in(world) -> None:
    response = Client().get(PAGE + "?kind=crisis")
    assert response.status_code == 302
    assert response["Location"] == "/approve/sign-in/?next=/cockpit/%3Fkind%3Dcrisis"


def test_a_lead_sees_their_brands_rows_most_urgent_first_and_the_apis_counts(world) -> None:
    fresh = open_reply(world.a)
    late = open_reply(world.a, minutes_ago=50)
    other = open_reply(world.b)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    response = signed_in(lead).get(PAGE)
    assert response.status_code == 200
    assert len(response.content) < 150_000
    html = response.content.decode()
    assert "<script" not in html
    api = client_for(lead).get("/api/v1/attention/").json()
    assert f'data-total="{api["counts"]["total"]}" data-overdue="1"' in html
    assert html.index(f'data-id="{api["results"][0]["id"]}"') < html.index(
        f'data-id="{api["results"][1]["id"]}"'
    )
    assert f"/alpine-coffee/approve/steps/{late.pk}/" in html
    assert f"/alpine-coffee/approve/steps/{fresh.pk}/" in html
    assert "overdue by 20 min" in html
    assert f"/bayside-bikes/approve/steps/{other.pk}/" not in html
    assert "Bayside Bikes" not in html


def test_filters_are_links_and_a_bad_one_is_a_400(world) -> None:
    open_reply(world.a)
    client = signed_in(world.admin)
    only_b = client.get(PAGE, {"brand": "bayside-bikes"}).content.decode()
    assert 'data-brand="alpine-coffee"' not in only_b
    assert client.get(PAGE, {"colour": "red"}).status_code == 400
    assert client.get(PAGE, {"kind": "tuesday"}).status_code == 400
    assert (
        signed_in(world.a.person(Role.ACCOUNT_LEAD))
        .get(PAGE, {"brand": "bayside-bikes"})
        .status_code
        == 400
    )


def test_the_phone_views_brand_picker_puts_the_brand_with_overdue_work_first(world) -> None:
    open_reply(world.a)
    open_reply(world.a)
    open_reply(world.b, minutes_ago=45)
    html = signed_in(world.admin).get("/approve/").content.decode()
    assert 'data-brand="bayside-bikes" data-waiting="1" data-overdue="1"' in html
    assert 'data-brand="alpine-coffee" data-waiting="2" data-overdue="0"' in html
    assert html.index('data-brand="bayside-bikes"') < html.index('data-brand="alpine-coffee"')
