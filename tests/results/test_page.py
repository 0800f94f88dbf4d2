"""The results page for staff: signed-in members of the brand see KPI cards and charts whose
numbers are the API's; anyone else gets a 404, a stranger the sign-in page."""

from __future__ import annotations

import re

import pytest

from tenants.roles import Role
from tests.conftest import client_for
from tests.results.conftest import api, kpi_body

pytestmark = pytest.mark.django_db


def page_url(bw) -> str:
    return f"/brands/{bw.brand.slug}/results/"


def test_page_shows_each_kpi_with_the_apis_numbers(world, brand_with_results, client) -> None:
    a, r = world.a, brand_with_results
    client.force_login(a.person(Role.ACCOUNT_LEAD))
    made = (
        client_for(a.person(Role.ACCOUNT_LEAD))
        .post(api(a, "kpis/"), kpi_body(department=r["marketing"], owner=r["lead"]), format="json")
        .json()
    )

    html = client.get(page_url(a)).content.decode()

    card = re.search(rf'data-kpi="{made["id"]}".*?</article>', html, re.S).group(0)
    assert f'data-period="{r["last"]}" data-actual="400.0000"' in card
    assert f'data-period="{r["last"]}" data-target="500.0000"' in card
    assert 'data-status="' + made["status"] + '"' in card
    assert 'data-post="ig-1"' in html
    # The three replies of last month: 10 and (twice counted nowhere else) 20 minutes fall in
    # 0-15 and 15-30, the 60-minute one in 60-120.
    counts = dict(re.findall(r'data-bucket="([^"]+)" data-count="(\d+)"', html))
    assert counts == {
        "0–15 min": "1",
        "15–30 min": "1",
        "30–60 min": "0",
        "60–120 min": "1",
        "120–240 min": "0",
        "240+ min": "0",
    }


def test_other_brands_members_get_404_and_strangers_the_sign_in(world, client) -> None:
    client.force_login(world.b.person(Role.ACCOUNT_LEAD))
    assert client.get(page_url(world.a)).status_code == 404
    client.logout()
    anonymous = client.get(page_url(world.a))
    assert anonymous.status_code == 302
    assert "/approve/sign-in/" in anonymous["Location"]


def test_every_member_of_the_brand_may_read_the_page(world, client) -> None:
    for role in (Role.CLIENT_VIEWER, Role.COPYWRITER, Role.ANALYST):
        client.force_login(world.a.person(role))
        assert client.get(page_url(world.a)).status_code == 200
