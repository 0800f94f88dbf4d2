"""Plan gaps in the next 14 days wait for the brand's planners in the cockpit (issue 19): a
channel below its cadence, an event with nothing planned; they leave once planned for, and
nobody else (a copywriter, another brand) sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from outbox.services import reconcile_brand
from planning.models import PlanItem
from planning.services.attention import sync_plan_gap_attention
from tenants.attention.models import AttentionRow
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import today, url

pytestmark = pytest.mark.django_db


def gaps_for(person) -> list[dict]:  # type: ignore[no-untyped-def]
    body = client_for(person).get("/api/v1/attention/", {"kind": "plan_gap"}).json()
    return body["results"]


def test_a_channel_below_cadence_and_an_uncovered_event_wait_for_the_planners(
    world, strategist, plan_a
) -> None:
    a = world.a
    assert (
        strategist.post(
            url(a, "cadence/"), {"channel": plan_a["insta"], "posts_per_week": 3}
        ).status_code
        == 201
    )
    start = today(a) + timedelta(days=3)
    holiday = strategist.post(
        url(a, "campaigns/"),
        {
            "name": "Coffee day",
            "kind": "holiday",
            "starts_on": str(start),
            "ends_on": str(start),
        },
    )
    assert holiday.status_code == 201, holiday.json()
    with schema_context(a.brand.schema_name):
        # The reconciler (every minute) keeps the rows; a direct sync does the same.
        reconcile_brand()
    rows = gaps_for(a.person(Role.STRATEGIST))
    titles = [r["title"] for r in rows]
    assert any("posts short of its cadence in the next 14 days" in t for t in titles)
    assert any("Coffee day (holiday" in t and "nothing planned" in t for t in titles)
    assert all(r["link"].startswith(f"/brands/{a.brand.slug}/api/v1/plan/gaps/") for r in rows)
    # A copywriter does not plan: nothing for them. Brand B's lead: nothing either.
    assert gaps_for(a.person(Role.COPYWRITER)) == []
    assert gaps_for(world.b.person(Role.ACCOUNT_LEAD)) == []
    # Plan the holiday and fill Instagram's weeks: the rows go.
    with schema_context(a.brand.schema_name):
        # Three a day from today on: every week of the horizon meets the cadence, whatever
        # weekday today is, and the holiday is covered.
        PlanItem.objects.bulk_create(
            PlanItem(
                title="Post",
                planned_on=today(a) + timedelta(days=offset),
                channel_id=plan_a["insta"],
                pillar_id=plan_a["coffee"],
            )
            for offset in range(21)
            for _ in range(3)
        )
        sync_plan_gap_attention()
    assert gaps_for(a.person(Role.STRATEGIST)) == []
    assert not AttentionRow.objects.filter(brand=a.brand, kind="plan_gap").exists()
