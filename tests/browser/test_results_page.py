"""An account lead opens the brand results page in real headless Chromium, on a phone and on a
desktop: the KPI chart and the post and reply-time charts carry the API's numbers.

Needs Chromium and playwright (see tests/browser/chromium.py); screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import Channel, Draft
from results.models import Department, DepartmentMember
from results.services import ingest, kpis
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def results_brand(world, django_db_blocker) -> Iterator[tuple[Brand, User, int]]:
    """A brand of its own with committed data (the live server reads it over its own
    connection): two posts with results this week, one KPI owned by Marketing."""
    with django_db_blocker.unblock():
        brand = services.create_brand(
            agency=world.agency, name="Lakeside Roasters", slug="lakeside", created_by=world.admin
        )
        lead = UserFactory(username="lena-lead")
        services.add_member(brand=brand, user=lead, role=Role.ACCOUNT_LEAD)
        now = timezone.now()
        with schema_context(brand.schema_name):
            insta = Channel.objects.create(
                network="instagram",
                handle="lakeside",
                max_length=2200,
                max_hashtags=30,
                links_allowed=False,
            )
            for external_id, text in (("ig-a", "Sunrise roast"), ("ig-b", "=cmd|' /C calc'!A0")):
                Draft.objects.create(
                    kind="post",
                    text=text,
                    status="published",
                    channel=insta,
                    external_id=external_id,
                    published_at=now - timedelta(hours=3),
                )
            ingest.ingest_post_snapshots(
                brand=brand,
                snapshots=[
                    {
                        "external_id": "ig-a",
                        "observed_at": now - timedelta(hours=2),
                        "impressions": 1000,
                        "reactions": 80,
                        "comments": 10,
                        "shares": 5,
                        "saves": 5,
                    },
                    {
                        "external_id": "ig-b",
                        "observed_at": now - timedelta(hours=2),
                        "impressions": 1000,
                        "reactions": 20,
                    },
                ],
            )
            marketing = Department.objects.get(name="Marketing")
            DepartmentMember.objects.create(department=marketing, user=lead)
            kpi = kpis.create_kpi(
                name="Engagements per month",
                metric="engagements",
                period="month",
                direction="at_least",
                target=Decimal("400"),
                department_id=marketing.pk,
                owner_id=lead.pk,
                actor_id=lead.pk,
                scope={},
            )
        try:
            yield brand, lead, kpi.pk
        finally:
            services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm="lakeside")
            User.objects.filter(pk=lead.pk).delete()


def test_account_lead_reads_kpis_and_charts_on_phone_and_desktop(
    committed_live_server, results_brand
) -> None:
    live = committed_live_server
    brand, lead, kpi_id = results_brand
    client = Client()
    client.force_login(lead)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    api = client.get(f"/brands/{brand.slug}/api/v1/kpis/{kpi_id}/").json()
    with headless_chromium() as browser:
        for name, viewport in (
            ("phone", {"width": 360, "height": 740}),
            ("desktop", {"width": 1280, "height": 900}),
        ):
            context = browser.new_context(viewport=viewport, is_mobile=name == "phone")
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live.url}]
            )
            page = context.new_page()
            page.goto(f"{live.url}/brands/{brand.slug}/results/")
            page.get_by_role("heading", name="KPIs").wait_for()
            card = page.locator(f'article[data-kpi="{kpi_id}"]')
            assert card.get_attribute("data-status") == api["status"]
            assert card.get_attribute("data-actual") == api["actual"] == "120.0000"
            marks = card.locator("circle.actual-mark")
            assert marks.last.get_attribute("data-actual") == api["periods"][-1]["actual"]
            assert (
                card.locator("circle.target-mark").last.get_attribute("data-target") == "400.0000"
            )
            best = page.locator("#best-posts g.post-bar")
            assert best.first.get_attribute("data-post") == "ig-a"
            assert best.first.get_attribute("data-rate") == "10.0"  # 100 / 1000
            worst = page.locator("#worst-posts g.post-bar")
            assert worst.first.get_attribute("data-post") == "ig-b"
            assert worst.first.get_attribute("data-rate") == "2.0"
            # The chart fits the screen: nothing wider than the viewport.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"]
            page.screenshot(path=str(ARTIFACTS / f"results-{name}.png"), full_page=True)
            context.close()
