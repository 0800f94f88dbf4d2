"""Posts published against the plan (issue 16, "posts published versus planned"): the figures
set the range's published posts against the plan's items on those days, dropped ones left out,
worked out by hand below."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from planning.models import PlanItem
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import today
from tests.results.conftest import channel, published_post

pytestmark = pytest.mark.django_db


def test_published_versus_planned_over_the_range(world, strategist, plan_a) -> None:
    a = world.a
    tz = ZoneInfo(a.brand.timezone)
    start = today(a) - timedelta(days=6)
    with schema_context(a.brand.schema_name):
        for offset, status in ((0, "planned"), (2, "published"), (4, "planned"), (5, "dropped")):
            PlanItem.objects.create(
                title="Post",
                planned_on=start + timedelta(days=offset),
                channel_id=plan_a["insta"],
                pillar_id=plan_a["coffee"],
                status=status,
            )
        # Outside the range asked for: not counted.
        PlanItem.objects.create(
            title="Later",
            planned_on=today(a) + timedelta(days=3),
            channel_id=plan_a["insta"],
            pillar_id=plan_a["coffee"],
        )
    insta = channel(a, "alpine-planned")
    for n in (1, 3):
        published_post(
            a,
            f"pv-{n}",
            on=insta,
            published_at=datetime.combine(start + timedelta(days=n), datetime.min.time(), tz)
            + timedelta(hours=10),
        )
    published_post(a, "pv-reply", kind="reply", on=insta, published_at=datetime.now(tz))
    body = (
        client_for(a.person(Role.ACCOUNT_LEAD))
        .get(
            f"/brands/{a.brand.slug}/api/v1/results/figures/",
            {"from": str(start), "to": str(today(a))},
        )
        .json()
    )
    figures = body["figures"]
    # 3 planned (one dropped), 2 posts published (the reply is no post): 66.7 %.
    assert figures["posts_planned"] == "3.0000"
    assert figures["posts_published"] == "2.0000"
    assert figures["published_vs_planned"] == "66.7000"
