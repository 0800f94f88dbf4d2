"""KPIs off track in the attention cockpit: they wait for the people who manage KPIs (and the
KPI's owner), and leave when the KPI is removed."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from results.services.kpis import evaluate_kpis
from tenants.roles import Role
from tests.conftest import client_for
from tests.results.conftest import api, kpi_body

pytestmark = pytest.mark.django_db


def waiting(user) -> list[tuple[str, str]]:
    body = client_for(user).get("/api/v1/attention/", {"kind": "kpi_off_track"}).json()
    return [(r["brand"], r["title"]) for r in body["results"]]


def test_an_off_track_kpi_waits_for_its_managers_until_removed(world, brand_with_results) -> None:
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    made = lead.post(
        api(a, "kpis/"),
        kpi_body(
            name="Posts this month",
            metric="posts_published",
            target="1000",
            department=r["marketing"],
            owner=r["lead"],
        ),
        format="json",
    ).json()
    with schema_context(a.brand.schema_name):
        evaluate_kpis(brand=a.brand)
    expected = [("alpine-coffee", "KPI off track: Posts this month (this month)")]
    assert waiting(a.person(Role.ANALYST)) == expected
    assert waiting(a.person(Role.ACCOUNT_LEAD)) == expected
    assert waiting(a.person(Role.COPYWRITER)) == []
    assert waiting(world.b.person(Role.ANALYST)) == []
    assert lead.delete(api(a, f"kpis/{made['id']}/")).status_code == 204
    assert waiting(a.person(Role.ANALYST)) == []
