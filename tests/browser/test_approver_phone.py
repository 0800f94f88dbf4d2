"""A client approver clears their queue on a phone: real headless Chromium at 360 px.

Needs Chromium and playwright (see tests/browser/chromium.py); screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import ApprovalStep
from approvals.services import apply_preset, decide_step
from content import services as content_services
from content.models import Draft
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM


class PhoneBrand:
    def __init__(self, brand: Brand, approver: User, writer: User) -> None:
        self.brand = brand
        self.approver = approver
        self.writer = writer


@pytest.fixture
def phone_brand(world, django_db_blocker) -> Iterator[PhoneBrand]:
    """A brand of its own with committed data, since the live server reads it from another
    connection; dropped again afterwards so other tests never see it."""
    with django_db_blocker.unblock():
        brand = services.create_brand(
            agency=world.agency, name="Harbour Tea", slug="harbour-tea", created_by=world.admin
        )
        approver = UserFactory(username="paula-approver", email="paula@client.test")
        writer = UserFactory(username="wes-writer")
        services.add_member(brand=brand, user=approver, role=Role.CLIENT_APPROVER)
        services.add_member(brand=brand, user=writer, role=Role.COPYWRITER)
        with schema_context(brand.schema_name):
            apply_preset(level=0, actor_id=world.admin.pk, now=timezone.now())
            for text in (
                "Autumn blend is back: smoky, sweet, warm. #tea #autumn",
                "Win a year of tea! Reply with your favourite cup.",
            ):
                channel = content_services.create_channel(network="x", handle=f"h{len(text)}")
                draft = Draft.objects.create(
                    kind=Draft.Kind.POST,
                    channel=channel,
                    text=text,
                    risk_score=20,
                    created_by=writer,
                )
                content_services.mark_draft_ready(draft=draft)
            # Level 0: the agency lead signs off first; then it waits for the client.
            for step in ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN):
                decide_step(step_id=step.pk, actor=world.admin, decision="approve")
        try:
            yield PhoneBrand(brand, approver, writer)
        finally:
            services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm="harbour-tea")
            User.objects.filter(pk__in=[approver.pk, writer.pk]).delete()


def test_approver_signs_in_by_link_and_clears_the_queue_on_a_phone(
    committed_live_server, phone_brand
) -> None:
    live_server = committed_live_server
    with headless_chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
        page.goto(f"{live_server.url}/approve/sign-in/")
        page.get_by_label("Email address").fill("paula@client.test")
        page.get_by_role("button", name="Email me a sign-in link").click()
        page.get_by_text("Check your email").wait_for()

        link = re.search(r"https?://\S+/approve/link/\S+/", mail.outbox[-1].body).group(0)
        path = link.split("/approve/", 1)[1]
        page.goto(f"{live_server.url}/approve/{path}")

        page.get_by_role("heading", name="Waiting for me").wait_for()
        items = page.locator("#queue li")
        assert items.count() == 2
        page.screenshot(path=str(ARTIFACTS / "phone-queue.png"), full_page=True)

        items.first.locator("a").click()
        page.locator("#preview-text").wait_for()
        page.screenshot(path=str(ARTIFACTS / "phone-detail.png"), full_page=True)
        page.get_by_role("button", name="Approve").click()
        page.get_by_text("Approved").first.wait_for()
        assert page.locator("#queue li").count() == 1

        page.locator("#queue li a").first.click()
        page.get_by_role("button", name="Reject").click()
        page.locator("#problem").wait_for()  # a reason is required
        page.get_by_label("Reason or requested changes").fill("Competitions need legal terms.")
        page.get_by_role("button", name="Reject").click()
        page.locator("#queue-empty").wait_for()
        page.screenshot(path=str(ARTIFACTS / "phone-queue-empty.png"), full_page=True)

    with schema_context(phone_brand.brand.schema_name):
        statuses = sorted(Draft.objects.values_list("status", flat=True))
    assert statuses == ["approved", "rejected"]
