"""The review page for staff: the pack's figures in SVG charts, findings and actions, for
signed-in members of the brand; a hostile finding is escaped; anyone else gets a 404, a
stranger the sign-in page."""

from __future__ import annotations

import re

import pytest

from tenants.roles import Role
from tests.planning.conftest import url
from tests.planning.test_review_packs import build_packs, last_month, open_review  # noqa: F401
from tests.results.conftest import brand_with_results  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def page_url(bw, review_id) -> str:
    return f"/brands/{bw.brand.slug}/reviews/{review_id}/"


def test_the_page_charts_the_packs_numbers_with_findings_and_actions(
    world,
    strategist,
    last_month,  # noqa: F811
    inline_worker,
    client,
    django_capture_on_commit_callbacks,  # noqa: F811
) -> None:
    a, r = world.a, last_month
    capture = django_capture_on_commit_callbacks
    made = open_review(strategist, a, r["last"], capture)
    build_packs(inline_worker, capture)
    found = strategist.post(
        url(a, f"reviews/{made['id']}/findings/"), {"kind": "did_not_work", "text": HOSTILE}
    )
    acted = strategist.post(
        url(a, f"reviews/{made['id']}/actions/"),
        {"title": "Post reels on Fridays", "kind": "other", "due_on": str(r["this"])},
    )
    assert found.status_code == acted.status_code == 201
    client.force_login(a.person(Role.CLIENT_VIEWER))

    answer = client.get(page_url(a, made["id"]))

    assert answer.status_code == 200
    html = answer.content.decode()
    card = re.search(rf'data-kpi="{r["kpi"]}".*?</article>', html, re.S).group(0)
    assert 'data-key="actual" data-value="400.0"' in card
    assert 'data-key="target" data-value="500.0"' in card
    delivery = dict(re.findall(r'class="delivery-bar" data-key="(\w+)" data-count="(\d+)"', html))
    assert delivery == {
        "planned": "2",
        "published_on_time": "1",
        "published_late": "1",
        "open": "0",
        "dropped": "1",
    }
    assert 'data-draft="' in html and "Coffee culture" in html
    assert "Post reels on Fridays" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_pack_not_built_yet_says_so(
    world, strategist, client, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    made = strategist.post(url(a, "reviews/"), {"period": "week", "period_start": "2026-01-05"})
    assert made.status_code == 201
    client.force_login(a.person(Role.STRATEGIST))

    html = client.get(page_url(a, made.json()["id"])).content.decode()

    assert 'id="pack-pending"' in html and 'data-state="queued"' in html


def test_other_brands_members_get_404_and_strangers_the_sign_in(world, strategist, client) -> None:
    a, b = world.a, world.b
    made = strategist.post(url(a, "reviews/"), {"period": "week", "period_start": "2026-01-05"})
    review_id = made.json()["id"]
    client.force_login(b.person(Role.ACCOUNT_LEAD))
    assert client.get(page_url(a, review_id)).status_code == 404
    assert client.get(page_url(b, review_id)).status_code == 404
    client.force_login(a.person(Role.ANALYST))
    assert client.get(page_url(a, 999999)).status_code == 404
    client.logout()
    anonymous = client.get(page_url(a, review_id))
    assert anonymous.status_code == 302 and "/approve/sign-in/" in anonymous["Location"]
