"""A strategist opens a plan review's page in real headless Chromium, on a phone and on a
desktop: the KPI and plan delivery charts carry the pack's numbers (the API's), the findings
and actions are there, and nothing is wider than the screen.

Needs Chromium and playwright (see tests/browser/chromium.py); screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import Channel
from planning.models import Finding, Pillar, PlanItem, ReviewAction
from planning.services import packs, reviews
from results.models import Department, DepartmentMember
from results.services import kpis
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def review_brand(world, django_db_blocker) -> Iterator[tuple[Brand, User, int, int]]:
    """A brand of its own with committed data (the live server reads it over its own
    connection): this week's review with its pack built, three items (two published, one
    open), a KPI, a finding and an action."""
    with django_db_blocker.unblock():
        brand = services.create_brand(
            agency=world.agency, name="Harbour Tea", slug="harbour", created_by=world.admin
        )
        strategist = UserFactory(username="sam-strategist")
        try:
            yield from _set_up(brand, strategist)
        finally:
            services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm="harbour")
            User.objects.filter(pk=strategist.pk).delete()


def _set_up(brand: Brand, strategist: User) -> Iterator[tuple[Brand, User, int, int]]:
    """This week's review of the brand, with the data its pack reads (committed)."""
    services.add_member(brand=brand, user=strategist, role=Role.STRATEGIST)
    now = timezone.now()
    today = now.astimezone(ZoneInfo(brand.timezone)).date()
    monday = today - timedelta(days=today.weekday())
    with schema_context(brand.schema_name):
        insta = Channel.objects.create(
            network="instagram",
            handle="harbour",
            max_length=2200,
            max_hashtags=30,
            links_allowed=False,
        )
        pillar = Pillar.objects.create(name="Tea craft", target_share=50)
        for n, status in enumerate(("published", "published", "planned")):
            PlanItem.objects.create(
                title=f"Item {n}",
                planned_on=monday + timedelta(days=n),
                channel=insta,
                pillar=pillar,
                status=status,
            )
        marketing = Department.objects.get(name="Marketing")
        DepartmentMember.objects.create(department=marketing, user=strategist)
        kpi = kpis.create_kpi(
            name="Posts per week",
            metric="posts_published",
            period="week",
            direction="at_least",
            target=Decimal("5"),
            department_id=marketing.pk,
            owner_id=strategist.pk,
            actor_id=strategist.pk,
            scope={},
        )
        review = reviews.open_review(
            period="week", period_start=monday, created_by_id=strategist.pk
        )
        packs.build_pack(brand=brand, review_id=review.pk, generation=review.pack_generation)
        Finding.objects.create(
            review=review, kind="worked", text="Steeping videos <b>shone</b>", learning=True
        )
        ReviewAction.objects.create(
            review=review, title="Two more videos a week", kind="other", due_on=today
        )
    yield brand, strategist, review.pk, kpi.pk


def test_strategist_reads_the_review_on_phone_and_desktop(
    committed_live_server, review_brand
) -> None:
    live = committed_live_server
    brand, strategist, review_id, kpi_id = review_brand
    client = Client()
    client.force_login(strategist)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    api = client.get(f"/brands/{brand.slug}/api/v1/plan/reviews/{review_id}/").json()
    assert api["pack_state"] == "ready"
    (kpi,) = api["pack"]["kpis"]
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
            page.goto(f"{live.url}/brands/{brand.slug}/reviews/{review_id}/")
            page.get_by_role("heading", name="KPIs against target").wait_for()
            card = page.locator(f'article[data-kpi="{kpi_id}"]')
            assert card.get_attribute("data-target") == kpi["target"] == "5"
            target = card.locator('g.kpi-bar[data-key="target"]')
            assert target.get_attribute("data-value") == "5.0"
            actual = card.locator('g.kpi-bar[data-key="actual"]')
            assert Decimal(actual.get_attribute("data-value")) == Decimal(kpi["actual"] or 0)
            delivery = {
                bar.get_attribute("data-key"): bar.get_attribute("data-count")
                for bar in page.locator("#delivery g.delivery-bar").all()
            }
            assert delivery["planned"] == str(api["pack"]["delivery"]["planned"]) == "3"
            assert delivery["open"] == "1"
            assert (
                page.locator("#findings li.finding")
                .first.inner_text()
                .endswith("Steeping videos <b>shone</b>")
            )
            assert page.locator("#actions li.action").count() == 1
            # Phone-readable: nothing wider than the screen.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"]
            page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"), full_page=True)
            context.close()
