"""A boost on the approver's phone shows what the approver decides on (issue 15): the post
being boosted, its targeting and audience, its dates and budget, and what is left of the
month's paid budget; no character count, no media placeholder, and no "All checks passed"
beside a risk label (no content check ran on a boost)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from content import services as content_services
from content.models import Draft
from tenants.roles import Role
from tests.media.conftest import open_step_of, propose

pytestmark = pytest.mark.django_db


def test_the_approver_sees_the_boosted_post_its_targeting_and_the_budget_left(
    world, budgets
) -> None:
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpine")
        post = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=channel,
            status=Draft.Status.PUBLISHED,
            text="Our winter blend is back, roasted in small batches.",
        )
    body = propose(
        world.a,
        budget_total="1200.00",
        draft_id=post.pk,
        external_post_ref="",
        targeting={"countries": ["CH", "AT"], "interests": ["coffee"]},
    )
    assert body["status"] == "pending_approval", body
    step_id = open_step_of(world.a, body["id"])

    lead = Client()
    lead.force_login(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/{world.a.brand.slug}/approve/steps/{step_id}/").content.decode()

    assert "The boosted post" in page
    assert "Our winter blend is back, roasted in small batches." in page
    assert "countries: CH, AT; interests: coffee" in page
    assert "coffee-lovers-ch" in page  # the audience
    assert "1200.00 EUR" in page
    # 100,000 EUR this month, of which this boost holds part: the rest is shown.
    assert "paid budget</dt><dd>" in page
    assert "of 100000.00 EUR (this boost included)" in page
    assert "spend 1200.00 EUR is within 5000.00 EUR for the account lead" in page
    assert "Risk score 0/100 (the boosted post's)." in page
    assert "All checks passed" not in page
    assert "characters" not in page
    assert "image or video" not in page
