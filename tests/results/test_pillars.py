"""Plan pillars as a slice of results: a post written from the brief of a plan item counts for
the item's pillar, in a pillar-scoped KPI and in the breakdown; a pillar the plan does not have
is a 400 naming it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from content.models import Brief, Draft
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import item_body, plan_a, strategist, url  # noqa: F401
from tests.results.conftest import (
    api,
    at,
    integrator,
    kpi_body,
    months,
    published_post,
    results_url,
    seat,
    snap,
)

pytestmark = pytest.mark.django_db


def test_posts_of_a_started_plan_item_count_for_its_pillar(world, plan_a) -> None:  # noqa: F811
    a, p = world.a, plan_a
    copywriter = client_for(a.person(Role.COPYWRITER))
    item = copywriter.post(url(a, "items/"), item_body(p, pillar=p["coffee"])).json()
    brief_id = copywriter.post(url(a, f"items/{item['id']}/start/")).json()["brief"]
    last, _this = months()
    day = last + timedelta(days=3)
    with schema_context(a.brand.schema_name):
        assert Brief.objects.get(pk=brief_id).pillar_id == p["coffee"]
        Draft.objects.create(
            kind="post",
            text="Origin stories",
            status="published",
            brief_id=brief_id,
            external_id="pillar-1",
            published_at=at(day, 9),
        )
    published_post(a, "no-pillar-1", published_at=at(day, 9))
    reported = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                snap("pillar-1", at(day, 18).isoformat(), impressions=1000, reactions=30, saves=10),
                snap("no-pillar-1", at(day, 18).isoformat(), impressions=1000, reactions=100),
            ]
        },
        format="json",
    )
    assert reported.status_code == 200, reported.json()
    marketing, lead_id = seat(a, "Marketing", Role.ACCOUNT_LEAD)
    lead = client_for(a.person(Role.ACCOUNT_LEAD))

    def kpi(pillar: object) -> object:
        return lead.post(
            api(a, "kpis/"),
            kpi_body(name=f"Pillar {pillar}", pillar=pillar, department=marketing, owner=lead_id),
            format="json",
        )

    coffee, people, unknown = kpi(p["coffee"]), kpi(p["people"]), kpi(999999)
    breakdown = lead.get(
        api(a, "results/breakdown/"),
        {"by": "pillar", "from": str(day), "to": str(day)},
    )

    assert coffee.status_code == 201, coffee.json()
    assert people.status_code == 201, people.json()

    def last_month(made: object) -> str:
        periods = {q["start"]: q for q in made.json()["periods"]}  # type: ignore[attr-defined]
        return periods[str(last)]["actual"]

    # Only the coffee post's 30 reactions + 10 saves; the post without a plan item counts for
    # no pillar.
    assert last_month(coffee) == "40.0000"
    assert last_month(people) == "0.0000"
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["attr"] == "pillar"
    assert breakdown.status_code == 200
    assert {(r["name"], r["engagements"]) for r in breakdown.json()} == {
        ("Coffee culture", 40),
        ("(none)", 100),
    }
