"""Readiness week by week, per brand and per agency (issue 19): each day's reading replaces the
week's, the history and the agency's mean read one public table, and nobody sees a brand or an
agency that is not theirs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from approvals import services as approvals
from results.services.readiness import record_brand_readiness
from results.tasks import measure_brand_readiness
from tenants.attention.models import ReadinessWeek
from tenants.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A Wednesday noon UTC (brand A is in Europe/Zurich, brand B's zone is its own).
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def measure(bw, at: datetime) -> ReadinessWeek:
    with tenant_context(bw.brand):
        return record_brand_readiness(now=at)


def test_each_day_replaces_the_weeks_reading_and_history_is_oldest_first(world) -> None:
    first = measure(world.a, WEDNESDAY - timedelta(days=7))
    monday = measure(world.a, WEDNESDAY)
    again = measure(world.a, WEDNESDAY + timedelta(days=2))  # Friday, same week
    assert monday.week == again.week == date(2026, 11, 23)
    assert first.week == date(2026, 11, 16)
    assert ReadinessWeek.objects.filter(brand=world.a.brand).count() == 2
    assert sorted(again.scores) == [
        "audience_understanding",
        "autonomy",
        "content_production",
        "crisis_readiness",
        "mobility",
        "paid_support",
        "people_and_hours",
    ]
    url = f"/brands/{world.a.brand.slug}/api/v1/readiness/history/"
    body = client_for(world.a.person(Role.CLIENT_VIEWER)).get(url).json()
    assert [row["week"] for row in body] == ["2026-11-16", "2026-11-23"]
    assert body[1]["overall"] == again.overall
    assert body[1]["scores"]["crisis_readiness"] == again.scores["crisis_readiness"]
    only_last = client_for(world.a.person(Role.CLIENT_VIEWER)).get(url, {"weeks": 1}).json()
    assert [row["week"] for row in only_last] == ["2026-11-23"]


def test_bad_queries_name_the_parameter_and_other_brands_get_nothing(world) -> None:
    url = f"/brands/{world.a.brand.slug}/api/v1/readiness/history/"
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    for params in ({"weeks": 0}, {"weeks": "lots"}, {"weeks": 105}):
        answer = lead.get(url, params)
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["attr"] == "weeks"
    assert lead.get(url, {"colour": "red"}).json()["errors"][0]["attr"] == "colour"
    assert client_for(world.b.person(Role.ACCOUNT_LEAD)).get(url).status_code == 404


def test_the_worker_actor_records_the_brand_it_was_sent_for(world) -> None:
    with tenant_context(world.b.brand):
        measure_brand_readiness.fn()
    assert ReadinessWeek.objects.filter(brand=world.b.brand).count() == 1
    assert not ReadinessWeek.objects.filter(brand=world.a.brand).exists()


def test_the_agency_sees_each_brand_and_its_weekly_mean(world) -> None:
    a = measure(world.a, WEDNESDAY)
    b = measure(world.b, WEDNESDAY)
    url = f"/api/v1/agencies/{world.agency.slug}/readiness/"
    body = client_for(world.admin).get(url, {"weeks": 52}).json()
    assert {row["brand"]: row["latest"]["overall"] for row in body["brands"]} == {
        world.a.brand.slug: a.overall,
        world.b.brand.slug: b.overall,
    }
    assert body["overall"] == round((a.overall + b.overall) / 2)
    week = next(row for row in body["history"] if row["week"] == "2026-11-23")
    assert week["brands"] == 2
    assert week["overall"] == round((a.overall + b.overall) / 2)
    # A lead of brand A only: brand A alone.
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(url).json()
    assert [row["brand"] for row in lead["brands"]] == [world.a.brand.slug]
    assert lead["overall"] == a.overall
    # Someone of no brand of the agency, or an agency that does not exist: the same 404.
    stranger = client_for(UserFactory())
    assert stranger.get(url).status_code == 404
    assert client_for(world.admin).get("/api/v1/agencies/no-such/readiness/").status_code == 404


def test_the_cockpit_draws_each_brands_latest_readiness_weakest_first(world) -> None:
    with tenant_context(world.b.brand):  # brand B has an incident nobody owns: weaker
        approvals.open_incident(summary="Rumour", severity=2, owner_id=None, actor_id=None)
        approvals.open_incident(summary="Leak", severity=2, owner_id=None, actor_id=None)
    a = measure(world.a, WEDNESDAY)
    b = measure(world.b, WEDNESDAY)
    assert b.overall < a.overall
    page = Client()
    page.force_login(world.admin)
    html = page.get("/cockpit/").content.decode()
    panel = html[html.index('id="readiness"') :]
    assert f'data-brand="{world.a.brand.slug}" data-readiness="{a.overall}"' in panel
    assert f'data-brand="{world.b.brand.slug}" data-readiness="{b.overall}"' in panel
    assert panel.index(f'data-brand="{world.b.brand.slug}"') < panel.index(
        f'data-brand="{world.a.brand.slug}"'
    )
