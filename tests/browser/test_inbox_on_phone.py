"""A community manager on duty works the inbox from a phone: real headless Chromium at 360 px
(issue 19). Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import ApprovalRequest
from approvals.services import apply_preset
from content import services as content_services
from content.models import Draft
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def night_shift(world, django_db_blocker) -> Iterator[tuple[Brand, User, int]]:
    """A brand of its own with committed data (the live server reads it over its own
    connection): a community manager and one comment assigned to them."""
    with django_db_blocker.unblock():
        brand = services.create_brand(
            agency=world.agency, name="Quay Coffee", slug="quay-coffee", created_by=world.admin
        )
        cm = UserFactory(username="nina-night-cm")
        services.add_member(brand=brand, user=cm, role=Role.COMMUNITY_MANAGER)
        with schema_context(brand.schema_name):
            apply_preset(level=3, actor_id=None, now=timezone.now())
            item = content_services.ingest_inbox_item(
                author_handle="early_bird", text="Are you open before 7 tomorrow?"
            )
            content_services.assign_inbox_item(item_id=item.pk, assignee=cm)
        try:
            yield brand, cm, item.pk
        finally:
            services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm="quay-coffee")
            User.objects.filter(pk=cm.pk).delete()


def test_community_manager_answers_an_item_from_the_phone(
    committed_live_server, night_shift, django_db_blocker
) -> None:
    brand, cm, item_id = night_shift
    client = Client()
    client.force_login(cm)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    live = committed_live_server
    with headless_chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live.url}]
        )
        page = context.new_page()
        page.goto(f"{live.url}/brands/{brand.slug}/approve/inbox/")
        row = page.locator(f'#inbox li[data-id="{item_id}"]')
        assert row.get_attribute("data-mine") == "true"
        assert "Are you open before 7 tomorrow?" in row.inner_text()
        page.screenshot(path=str(ARTIFACTS / "inbox-phone-queue.png"), full_page=True)
        row.locator("a").click()
        page.get_by_role("heading", name="Comment from @early_bird").wait_for()
        page.fill("#text", "Yes! From 6:30 on weekdays. See you tomorrow.")
        page.click("#send")
        page.get_by_text("Reply sent").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(ARTIFACTS / "inbox-phone-sent.png"), full_page=True)
        context.close()
    with django_db_blocker.unblock(), schema_context(brand.schema_name):
        draft = Draft.objects.get(inbox_item_id=item_id)
        assert draft.text == "Yes! From 6:30 on weekdays. See you tomorrow."
        assert draft.created_by_id == cm.pk
        assert ApprovalRequest.objects.filter(subject_kind="reply", subject_id=draft.pk).exists()
