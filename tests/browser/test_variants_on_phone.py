"""An account lead compares a job's three variants side by side on a phone and approves one;
the other two are dropped (issue 15). Real headless Chromium at 360 px; screenshots go to
tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import ApprovalRequest, ApprovalStep
from approvals.services import apply_preset
from content import services as content_services
from content.models import Draft, GenerationJob
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM

TEXTS = [
    "Autumn blend is back: smoky, sweet, warm. #tea",
    "Our autumn blend returns today. Come taste it.",
    "Cold mornings call for the autumn blend. It's back!",
]


@pytest.fixture
def three_variants(world, django_db_blocker) -> Iterator[tuple[Brand, User, list[int], int]]:
    """A brand of its own with committed data (the live server reads it over its own
    connection): one generation job's three variants, offered for review together."""
    with django_db_blocker.unblock():
        brand = services.create_brand(
            agency=world.agency, name="Pier Tea", slug="pier-tea", created_by=world.admin
        )
        lead = UserFactory(username="lea-lead-variants", email="lea@agency.test")
        writer = UserFactory(username="wim-writer-variants")
        services.add_member(brand=brand, user=lead, role=Role.ACCOUNT_LEAD)
        services.add_member(brand=brand, user=writer, role=Role.COPYWRITER)
        with schema_context(brand.schema_name):
            apply_preset(level=1, actor_id=world.admin.pk, now=timezone.now())
            channel = content_services.create_channel(network="x", handle="piertea")
            job = GenerationJob.objects.create(kind="post", variants=3, created_by=writer)
            drafts = [
                Draft.objects.create(
                    kind=Draft.Kind.POST,
                    channel=channel,
                    text=text,
                    job=job,
                    variant=n,
                    risk_score=15,
                    created_by=writer,
                )
                for n, text in enumerate(TEXTS, start=1)
            ]
            # As the job delivers them: all ready in one transaction.
            with transaction.atomic():
                for draft in drafts:
                    content_services.mark_draft_ready(draft=draft)
            step_id = ApprovalStep.objects.get(status=ApprovalStep.Status.OPEN).pk
        try:
            yield brand, lead, [d.pk for d in drafts], step_id
        finally:
            services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm="pier-tea")
            User.objects.filter(pk__in=[lead.pk, writer.pk]).delete()


def test_lead_sees_three_variants_on_the_phone_and_approves_one(
    committed_live_server, three_variants, django_db_blocker
) -> None:
    brand, lead, draft_ids, step_id = three_variants
    client = Client()
    client.force_login(lead)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    live = committed_live_server
    with headless_chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live.url}]
        )
        page = context.new_page()
        page.goto(f"{live.url}/brands/{brand.slug}/approve/")
        # One item in the queue, not three
        assert page.locator("#queue li").count() == 1
        assert "3 variants to choose from" in page.locator("#queue li").inner_text()
        page.locator("#queue li a").first.click()
        page.locator("#variants").wait_for()
        shown = [page.locator(f"#variant-{i} .preview").inner_text() for i in draft_ids]
        assert shown == TEXTS
        assert "3 variants" in page.locator("#variants-h").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(ARTIFACTS / "phone-variants.png"), full_page=True)
        page.check(f"#choose-{draft_ids[1]}")
        page.get_by_role("button", name="Approve this variant").click()
        page.get_by_text("Approved").first.wait_for()
        page.locator("#queue-empty").wait_for()
        context.close()
    with django_db_blocker.unblock(), schema_context(brand.schema_name):
        by_id = dict(Draft.objects.values_list("pk", "status"))
        request = ApprovalRequest.objects.get(steps__pk=step_id)
    assert [by_id[i] for i in draft_ids] == ["dropped", "approved", "dropped"]
    assert (request.status, request.chosen_variant_id) == ("approved", draft_ids[1])
