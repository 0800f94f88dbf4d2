"""Results from integrators: idempotent snapshots, caps that pause, pacing alerts, reports."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from media.announcements import BOOST_ALERT
from media.models import BoostAlert, MetricSnapshot
from outbox import handlers
from tenants import services as tenant_services
from tenants.roles import Role, Scope
from tests.conftest import client_for
from tests.media.conftest import (
    ago,
    boosts_url,
    propose,
    running_boost,
    set_budgets,
    status_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Boost alerts as a reaction hears them after the commit (with the brand it ran in)."""
    events: list[dict] = []

    def listen(event):
        events.append({**event.payload, "schema": connection.schema_name})

    handlers.register(BOOST_ALERT, listen, key="tests.heard")
    yield events
    handlers.unregister(BOOST_ALERT, key="tests.heard")


def period(hours_ago: float, length_hours: float = 1) -> dict[str, str]:
    start = ago(hours=hours_ago)
    return {
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(hours=length_hours)).isoformat(),
    }


def push(bw, boost_id: int, client=None, **body) -> object:
    client = client or client_for(bw.person(Role.MEDIA_SPECIALIST))
    return client.post(boosts_url(bw, f"{boost_id}/snapshots/"), body)


def test_the_same_period_sent_twice_replaces_and_never_double_counts(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    when = period(hours_ago=30, length_hours=24)
    first = push(world.a, boost.pk, **when, impressions=1000, clicks=10, spend="40.00")
    assert first.status_code == 201
    again = push(world.a, boost.pk, **when, impressions=1500, clicks=12, spend="55.50")
    assert again.status_code == 200
    with schema_context(world.a.brand.schema_name):
        assert MetricSnapshot.objects.filter(boost=boost).count() == 1
    report = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        boosts_url(world.a, f"{boost.pk}/report/")
    )
    figures = report.json()["figures"]
    assert (figures["impressions"], figures["clicks"], figures["spend"]) == (1500, 12, "55.50")
    assert figures["cpc"] == "4.6250"
    assert figures["cpm"] == "37.0000"
    assert figures["ctr_percent"] == "0.80"


def test_an_overlapping_but_different_period_is_refused(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    push(world.a, boost.pk, **period(hours_ago=10, length_hours=4), spend="1")
    overlapping = push(world.a, boost.pk, **period(hours_ago=8, length_hours=4), spend="1")
    assert overlapping.status_code == 400
    assert overlapping.json()["errors"][0]["attr"] == "period_start"
    with schema_context(world.a.brand.schema_name):
        assert MetricSnapshot.objects.filter(boost=boost).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # Found in exploratory testing: each of these was a 500 (the database refused the row).
        ("impressions", 9223372036854775808),  # 2**63, one past what the column holds
        ("impressions", 1e20),
        ("clicks", "9223372036854775808"),
        ("spend", 1e20),
        ("spend", "1000000000000"),
    ],
)
def test_metric_figures_too_large_to_store_are_a_400_naming_the_field(
    world, budgets, field, value
) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    response = push(world.a, boost.pk, **period(hours_ago=3), **{field: value})
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [field]
    with schema_context(world.a.brand.schema_name):
        assert not MetricSnapshot.objects.exists()


def test_the_largest_counts_the_database_holds_are_stored_and_reported(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    largest = 2**63 - 1
    for hours_ago in (3, 2):
        pushed = push(
            world.a, boost.pk, **period(hours_ago=hours_ago), impressions=largest, spend="1"
        )
        assert pushed.status_code == 201
        assert pushed.json()["impressions"] == largest
    report = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        boosts_url(world.a, f"{boost.pk}/report/")
    )
    assert report.status_code == 200
    assert report.json()["figures"]["impressions"] == 2 * largest


def test_results_for_a_period_outside_the_boosts_schedule_are_refused(world, budgets) -> None:
    # Found in exploratory testing: they were accepted and counted in its spend.
    boost = running_boost(world.a, budget_total="1000.00")  # from 2 days ago, for 10 days
    before_start = push(world.a, boost.pk, **period(hours_ago=72, length_hours=2), spend="50")
    assert before_start.status_code == 400
    assert [e["attr"] for e in before_start.json()["errors"]] == ["period_end"]
    finished = running_boost(world.a, budget_total="1000.00", ran_for=timedelta(days=11))
    after_end = push(world.a, finished.pk, **period(hours_ago=12, length_hours=2), spend="50")
    assert after_end.status_code == 400
    assert [e["attr"] for e in after_end.json()["errors"]] == ["period_start"]
    # A period that only partly overlaps the schedule still counts.
    partly = push(world.a, boost.pk, **period(hours_ago=49, length_hours=2), spend="5")
    assert partly.status_code == 201
    with schema_context(world.a.brand.schema_name):
        assert MetricSnapshot.objects.count() == 1
    report = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        boosts_url(world.a, f"{boost.pk}/report/")
    )
    assert report.json()["figures"]["spend"] == "5.00"


def test_results_for_a_boost_that_never_ran_are_refused(world, budgets) -> None:
    body = propose(world.a)  # approved, not started
    response = push(world.a, body["id"], **period(hours_ago=2), spend="5")
    assert response.status_code == 409
    with schema_context(world.a.brand.schema_name):
        assert not MetricSnapshot.objects.exists()


def test_spend_past_the_total_budget_pauses_the_boost_alerts_and_emails(
    world, budgets, heard, django_capture_on_commit_callbacks
) -> None:
    boost = running_boost(world.a, budget_total="500.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = push(world.a, boost.pk, **period(hours_ago=5), spend="520.25")
    assert response.status_code == 201
    body = client_for(world.a.person(Role.CLIENT_VIEWER)).get(boosts_url(world.a, f"{boost.pk}/"))
    assert body.json()["status"] == "paused"
    assert body.json()["pause_reason"] == "cap_reached"
    assert "520.25 EUR went past the total budget of 500.00 EUR" in body.json()["status_note"]
    assert [e["kind"] for e in heard] == ["cap_reached"]
    assert heard[0]["schema"] == world.a.brand.schema_name
    assert "the boost was paused" in heard[0]["message"]
    # One email each (nobody sees the others' addresses).
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(
        [world.a.person(Role.MEDIA_SPECIALIST).email, world.a.person(Role.ACCOUNT_LEAD).email]
    )
    assert {m.subject for m in mail.outbox} == {f"[Alpine Coffee] Boost #{boost.pk}: Cap Reached"}
    alerts = client_for(world.a.person(Role.ANALYST)).get(
        boosts_url(world.a, f"{boost.pk}/alerts/")
    )
    assert [a["kind"] for a in alerts.json()["results"]] == ["cap_reached"]
    resume = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        boosts_url(world.a, f"{boost.pk}/resume/")
    )
    assert resume.status_code == 409
    # Found in exploratory testing: "of its 500.000 budget", without the currency.
    assert "has spent 520.25 EUR of its 500.00 EUR budget" in resume.json()["errors"][0]["detail"]
    assert status_of(world.a, boost.pk) == "paused"


def test_a_cap_alert_is_raised_once_even_when_results_keep_arriving(
    world, budgets, heard, django_capture_on_commit_callbacks
) -> None:
    boost = running_boost(world.a, budget_total="500.00")
    with django_capture_on_commit_callbacks(execute=True):
        push(world.a, boost.pk, **period(hours_ago=5), spend="500.00")
        push(world.a, boost.pk, **period(hours_ago=4), spend="3.00")
    assert [e["kind"] for e in heard] == ["cap_reached"]
    assert len(mail.outbox) == 2  # the specialist and the lead, once


def test_spend_past_the_daily_cap_pauses_the_boost(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00", daily_cap="100.00")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    body = {
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(minutes=30)).isoformat(),
        "spend": "100.01",
    }
    assert push(world.a, boost.pk, **body).status_code == 201
    assert status_of(world.a, boost.pk) == "paused"
    with schema_context(world.a.brand.schema_name):
        alert = BoostAlert.objects.get(boost=boost)
    assert alert.kind == "cap_reached" and alert.key.startswith("daily:")
    assert "daily cap of 100.00 EUR" in alert.message


def test_spend_ahead_of_schedule_raises_an_overspend_alert(world, budgets, heard) -> None:
    # 1,000 EUR over 10 days, 2 days in: about 200 expected by now.
    boost = running_boost(world.a, budget_total="1000.00")
    push(world.a, boost.pk, **period(hours_ago=20, length_hours=12), spend="450")
    assert status_of(world.a, boost.pk) == "active"
    report = client_for(world.a.person(Role.CLIENT_APPROVER)).get(
        boosts_url(world.a, f"{boost.pk}/report/")
    )
    pacing = report.json()["pacing"]
    assert pacing["status"] == "overspending"
    assert Decimal(pacing["expected_spend"]) == pytest.approx(Decimal(200), abs=Decimal(1))
    assert Decimal(pacing["projected_end_spend"]) > Decimal(2000)
    with schema_context(world.a.brand.schema_name):
        assert list(BoostAlert.objects.values_list("kind", flat=True)) == ["overspend"]


def test_spend_behind_schedule_raises_an_under_delivery_alert(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    push(world.a, boost.pk, **period(hours_ago=20, length_hours=12), spend="20")
    with schema_context(world.a.brand.schema_name):
        assert list(BoostAlert.objects.values_list("kind", flat=True)) == ["under_delivery"]
    listed = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        f"/brands/{world.a.brand.slug}/api/v1/boost-alerts/"
    )
    assert [a["kind"] for a in listed.json()["results"]] == ["under_delivery"]


def test_an_integrator_key_with_the_ingest_scope_pushes_results(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    _key, secret = tenant_services.create_api_key(
        brand=world.a.brand, name="meta-sync", scopes=[Scope.INGEST_METRICS]
    )
    integrator = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert push(world.a, boost.pk, integrator, **period(hours_ago=3), spend="7").status_code == 201
    _key, read_only = tenant_services.create_api_key(
        brand=world.a.brand, name="bi", scopes=[Scope.READ]
    )
    reader = APIClient(HTTP_AUTHORIZATION=f"Api-Key {read_only}")
    refused = push(world.a, boost.pk, reader, **period(hours_ago=2), spend="7")
    assert refused.status_code == 403
    with schema_context(world.a.brand.schema_name):
        assert MetricSnapshot.objects.filter(boost=boost).count() == 1


def test_the_brand_report_never_mixes_currencies(world, budgets) -> None:
    set_budgets(world.a, "100000", currency="USD")
    euros = running_boost(world.a, budget_total="1000.00")
    dollars = running_boost(world.a, budget_total="2000.00", currency="USD")
    push(world.a, euros.pk, **period(hours_ago=30, length_hours=24), spend="150.10", clicks=10)
    push(world.a, dollars.pk, **period(hours_ago=30, length_hours=24), spend="99.99", clicks=3)
    push(world.a, dollars.pk, **period(hours_ago=5, length_hours=1), spend="0.01", clicks=1)
    url = f"/brands/{world.a.brand.slug}/api/v1/media-reports/"
    client = client_for(world.a.person(Role.CLIENT_VIEWER))
    rows = {r["currency"]: r for r in client.get(url).json()["by_currency"]}
    assert set(rows) == {"EUR", "USD"}
    assert rows["EUR"]["figures"]["spend"] == "150.10"
    assert rows["USD"]["figures"]["spend"] == "100.00"
    assert rows["USD"]["budget"] == "2000.00"
    day = timezone.localdate(ago(hours=5), timezone=ZoneInfo("Europe/Zurich"))
    recent = client.get(url, {"from": str(day), "to": str(day)}).json()["by_currency"]
    # Only the last USD snapshot (5 hours ago) starts that day; the other is 25 hours older.
    assert {r["currency"]: r["figures"]["spend"] for r in recent} == {"USD": "0.01"}
    bad = client.get(url, {"from": "2026-11-30", "to": "2026-11-01"})
    assert bad.status_code == 400


def test_results_per_brand_local_day_and_currency(world, budgets) -> None:
    set_budgets(world.a, "100000", currency="USD")
    # Running three days: the earliest snapshot below can start up to 48.5 hours ago.
    euros = running_boost(world.a, budget_total="1000.00", ran_for=timedelta(days=3))
    dollars = running_boost(
        world.a, budget_total="1000.00", currency="USD", ran_for=timedelta(days=3)
    )
    zurich = ZoneInfo("Europe/Zurich")
    # 23:30 Zurich time counts for that day, 00:30 an hour later for the next one.
    day = timezone.localdate(timezone=zurich) - timedelta(days=1)
    late = datetime.combine(day - timedelta(days=1), time(23, 30), tzinfo=zurich)
    early = datetime.combine(day, time(0, 30), tzinfo=zurich)
    pushes = ((euros, late, "10.00"), (euros, early, "5.00"), (dollars, early, "7.00"))
    for boost, start, spend in pushes:
        push(
            world.a,
            boost.pk,
            period_start=start.isoformat(),
            period_end=(start + timedelta(minutes=20)).isoformat(),
            spend=spend,
        )
    body = (
        client_for(world.a.person(Role.ANALYST))
        .get(f"/brands/{world.a.brand.slug}/api/v1/media-reports/", {"group": "day"})
        .json()
    )
    assert [(r["period"], r["currency"], r["figures"]["spend"]) for r in body["by_period"]] == [
        (str(day - timedelta(days=1)), "EUR", "10.00"),
        (str(day), "EUR", "5.00"),
        (str(day), "USD", "7.00"),
    ]
    bad = client_for(world.a.person(Role.ANALYST)).get(
        f"/brands/{world.a.brand.slug}/api/v1/media-reports/", {"group": "hour"}
    )
    assert bad.status_code == 400


def test_report_to_the_calendars_last_day_is_a_400_naming_to(world) -> None:
    # The period runs to the next midnight, which Python cannot represent: this was a 500.
    response = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        f"/brands/{world.a.brand.slug}/api/v1/media-reports/", {"to": "9999-12-31"}
    )
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["to"]


def test_the_brand_report_counts_each_boosts_results_as_its_own_report_does(world, budgets) -> None:
    # A reach boost's results are its reach and a traffic boost's its clicks; the brand report
    # once counted conversions for both, so its results disagreed with the boosts' own.
    reach = running_boost(world.a, budget_total="1000.00", objective="reach")
    traffic = running_boost(world.a, budget_total="1000.00", objective="traffic")
    when = period(hours_ago=30, length_hours=24)
    push(world.a, reach.pk, **when, reach=5000, clicks=40, conversions=2, spend="10.00")
    push(world.a, traffic.pk, **when, reach=800, clicks=120, conversions=3, spend="30.00")
    client = client_for(world.a.person(Role.CLIENT_VIEWER))

    own = [
        client.get(boosts_url(world.a, f"{b.pk}/report/")).json()["figures"]["results"]
        for b in (reach, traffic)
    ]
    [total] = client.get(f"/brands/{world.a.brand.slug}/api/v1/media-reports/").json()[
        "by_currency"
    ]
    [day] = client.get(
        f"/brands/{world.a.brand.slug}/api/v1/media-reports/", {"group": "month"}
    ).json()["by_period"]

    assert own == [5000, 120]
    assert total["figures"]["results"] == 5120
    assert day["figures"]["results"] == 5120
    # 40.00 / 5120 = 0.0078125, at four places 0.0078.
    assert total["figures"]["cost_per_result"] == "0.0078"
