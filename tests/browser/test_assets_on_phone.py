"""Issue 21's "done when": a copywriter attaches two images to a draft, the client approver
sees them on a phone (real headless Chromium at 360 px) and approves, and the integrator
pulls the approved post with signed asset URLs.

Needs Chromium and playwright (see tests/browser/chromium.py); screenshots go to
tests/artifacts/. Uploaded files go to the test's own folder.
"""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from approvals.models import ApprovalStep
from approvals.services import apply_preset, decide_step
from assets.services import Attachment, make_renditions, set_draft_assets, upload_asset
from content import services as content_services
from content.models import Draft
from tenants import services
from tenants.models import Brand, User
from tenants.roles import Role, Scope
from tests.browser.chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium
from tests.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="pip install playwright")

pytestmark = NEEDS_CHROMIUM


def _photo(colour: tuple[int, int, int]) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), colour).save(out, format="JPEG")
    out.seek(0)
    return out


@pytest.fixture
def draft_with_images(world, django_db_blocker, settings, tmp_path) -> Iterator[dict]:
    """A brand of its own with committed data (the live server reads it from another
    connection): a post waiting for the client approver, carrying two images."""
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    with django_db_blocker.unblock():
        brand = services.create_brand(
            agency=world.agency, name="Dune Surf", slug="dune-surf", created_by=world.admin
        )
        approver = UserFactory(username="cara-approver", email="cara@client.test")
        writer = UserFactory(username="will-writer")
        services.add_member(brand=brand, user=approver, role=Role.CLIENT_APPROVER)
        services.add_member(brand=brand, user=writer, role=Role.COPYWRITER)
        _key, secret = services.create_api_key(
            brand=brand, name="Scheduler", scopes=[Scope.READ], created_by=world.admin
        )
        with schema_context(brand.schema_name):
            apply_preset(level=0, actor_id=world.admin.pk, now=timezone.now())
            assets = []
            for name, colour in (("Wave", (20, 90, 160)), ("Board", (230, 180, 40))):
                photo = _photo(colour)
                asset = upload_asset(
                    file=photo, size=len(photo.getvalue()), name=name, tags=[], created_by=writer
                )
                make_renditions(asset_id=asset.pk)
                assets.append(asset.pk)
            channel = content_services.create_channel(network="instagram", handle="dunesurf")
            draft = Draft.objects.create(
                kind=Draft.Kind.POST,
                channel=channel,
                text="First swell of the season.",
                risk_score=20,
                created_by=writer,
            )
            # The writer puts the images on before offering the post for review.
            set_draft_assets(
                draft_id=draft.pk,
                attachments=[
                    Attachment(asset_id=assets[0], alt_text="A blue wave breaking"),
                    Attachment(asset_id=assets[1], alt_text="A yellow surfboard on sand"),
                ],
                actor=writer,
            )
            content_services.mark_draft_ready(draft=draft)
            # Level 0: the agency lead signs off first; then it waits for the client.
            for step in ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN):
                decide_step(step_id=step.pk, actor=world.admin, decision="approve")
        try:
            yield {"brand": brand, "draft": draft.pk, "secret": secret}
        finally:
            services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm="dune-surf")
            User.objects.filter(pk__in=[approver.pk, writer.pk]).delete()


def _get(url: str, secret: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if secret:
        request.add_header("Authorization", f"Api-Key {secret}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def test_approver_sees_the_images_on_a_phone_approves_and_the_integrator_fetches_them(
    committed_live_server, draft_with_images
) -> None:
    live = committed_live_server.url
    with headless_chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
        page.goto(f"{live}/approve/sign-in/")
        page.get_by_label("Email address").fill("cara@client.test")
        page.get_by_role("button", name="Email me a sign-in link").click()
        page.get_by_text("Check your email").wait_for()
        link = re.search(r"https?://\S+/approve/link/\S+/", mail.outbox[-1].body).group(0)
        page.goto(f"{live}/approve/{link.split('/approve/', 1)[1]}")

        page.locator("#queue li a").first.click()
        images = page.locator("#images img")
        images.first.wait_for()
        assert images.count() == 2
        assert page.get_by_alt_text("A blue wave breaking").is_visible()
        # The phone renditions arrived (720 px wide), not the 2400 px originals. They load
        # lazily: bring each into view and wait for it before reading its size.
        for n in range(images.count()):
            images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function(
            "Array.from(document.querySelectorAll('#images img')).every(i => i.complete)"
        )
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('#images img'))"
            ".map(i => i.complete ? i.naturalWidth : -1)"
        )
        assert widths == [720, 720]
        page.screenshot(path=str(ARTIFACTS / "phone-detail-images.png"), full_page=True)
        page.get_by_role("button", name="Approve").click()
        page.get_by_text("Approved").first.wait_for()

    draft_id, secret = draft_with_images["draft"], draft_with_images["secret"]
    with schema_context(draft_with_images["brand"].schema_name):
        assert Draft.objects.get(pk=draft_id).status == Draft.Status.APPROVED
    status, body = _get(f"{live}/brands/dune-surf/api/v1/drafts/{draft_id}/assets/", secret)
    assert status == 200
    carried = json.loads(body)["assets"]
    assert [x["alt_text"] for x in carried] == [
        "A blue wave breaking",
        "A yellow surfboard on sand",
    ]
    status, original = _get(carried[0]["asset"]["urls"]["original"])  # no credentials
    assert status == 200
    assert Image.open(io.BytesIO(original)).size == (2400, 1600)
