"""An account lead on two brands opens the cockpit in real headless Chromium, on a phone and on
a desktop: the rows, their order and the counts are the API's, and nothing is wider than the
screen.

Needs Chromium and playwright (see tests/browser/chromium.py); screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approvals
from content.models import GenerationJob
from results.services.readiness import record_brand_readiness
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def lead_on_two_brands(world, django_db_blocker) -> Iterator[User]:
    """Two brands of their own with committed data (the live server reads it over its own
    connection), each with a reply waiting for their account lead; one of them is overdue."""
    with django_db_blocker.unblock():
        lead = UserFactory(username="cora-cockpit")
        made = []
        for slug, name, minutes_ago in (("harbour", "Harbour Tea", 45), ("orchard", "Orchard", 0)):
            brand = services.create_brand(
                agency=world.agency, name=name, slug=slug, created_by=world.admin
            )
            services.add_member(brand=brand, user=lead, role=Role.ACCOUNT_LEAD)
            writer = UserFactory(username=f"{slug}-writer")
            services.add_member(brand=brand, user=writer, role=Role.COPYWRITER)
            now = timezone.now() - timedelta(minutes=minutes_ago)
            with schema_context(brand.schema_name):
                approvals.apply_preset(level=1, actor_id=None, now=now)
                draft = DraftFactory(kind="reply", risk_score=50, created_by=writer)
                approvals.request_approval(
                    subject_kind="reply",
                    subject_id=draft.pk,
                    risk_score=50,
                    actor_id=None,
                    summary=f"A reply for {name}",
                    now=now,
                )
                if slug == "harbour":  # drafts the lead asked the assistant for, still queued
                    GenerationJob.objects.create(kind="post", variants=3, created_by=lead)
                    # Harbour has an incident nobody owns: weaker crisis readiness.
                    approvals.open_incident(
                        summary="Rumour", severity=2, owner_id=None, actor_id=None
                    )
                record_brand_readiness(now=timezone.now())
            made.append((brand, writer))
        try:
            yield lead
        finally:
            for brand, writer in made:
                services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm=brand.slug)
                User.objects.filter(pk=writer.pk).delete()
            User.objects.filter(pk=lead.pk).delete()


def test_account_lead_reads_the_cockpit_on_phone_and_desktop(
    committed_live_server, lead_on_two_brands
) -> None:
    live = committed_live_server
    client = Client()
    client.force_login(lead_on_two_brands)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    api = client.get("/api/v1/attention/").json()
    agency_slug = Brand.objects.get(slug="harbour").agency.slug
    ready = client.get(f"/api/v1/agencies/{agency_slug}/readiness/").json()
    assert [b["brand"] for b in ready["brands"]] == ["harbour", "orchard"]
    assert [r["brand"] for r in api["results"]] == ["harbour", "orchard"]
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
            page.goto(f"{live.url}/cockpit/")
            page.get_by_role("heading", name="Most urgent first").wait_for()
            totals = page.locator("#totals")
            assert totals.get_attribute("data-total") == str(api["counts"]["total"]) == "2"
            assert totals.get_attribute("data-overdue") == str(api["counts"]["overdue"]) == "1"
            rows = page.locator("#attention li.row")
            assert [rows.nth(i).get_attribute("data-id") for i in range(rows.count())] == [
                str(r["id"]) for r in api["results"]
            ]
            assert rows.first.get_attribute("data-overdue") == "true"
            for brand in api["counts"]["brands"]:
                shown = page.locator(f'#brands [data-brand="{brand["brand"]}"]')
                assert shown.get_attribute("data-total") == str(brand["total"])
                assert shown.get_attribute("data-overdue") == str(brand["overdue"])
            for brand in ready["brands"]:
                bar = page.locator(f'#readiness g.ready[data-brand="{brand["brand"]}"]')
                assert bar.get_attribute("data-readiness") == str(brand["latest"]["overall"])
                assert bar.locator("text").last.text_content() == str(brand["latest"]["overall"])
            working = page.locator("#working li.work")
            assert working.count() == 1
            assert working.first.get_attribute("data-brand") == "harbour"
            assert "Working… Waiting for a worker (step 0 of 3)" in working.first.inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=str(ARTIFACTS / f"cockpit-{name}.png"), full_page=True)
            context.close()
