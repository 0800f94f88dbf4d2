"""The clock: approved boosts start on time, finished ones complete, pacing is checked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from media.models import Boost, BoostAlert
from media.services.schedules import advance_boost_schedules
from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import (
    boosts_url,
    brand_api,
    enter_crisis,
    propose,
    running_boost,
    set_budgets,
    stand_down,
    status_of,
)

pytestmark = pytest.mark.django_db


def advance(bw, now):
    with schema_context(bw.brand.schema_name):
        return advance_boost_schedules(brand=bw.brand, now=now)


def test_approved_boosts_start_when_their_start_comes_and_complete_after_the_end(
    world, budgets
) -> None:
    now = timezone.now()
    body = propose(
        world.a,
        starts_at=(now + timedelta(hours=1)).isoformat(),
        ends_at=(now + timedelta(days=1)).isoformat(),
    )
    assert advance(world.a, now).started == 0
    assert status_of(world.a, body["id"]) == "approved"
    assert advance(world.a, now + timedelta(hours=2)).started == 1
    assert status_of(world.a, body["id"]) == "active"
    run = advance(world.a, now + timedelta(days=2))
    assert run.completed == 1
    assert status_of(world.a, body["id"]) == "completed"
    assert advance(world.a, now + timedelta(days=2)).completed == 0  # twice is harmless


def committed_eur(bw) -> Decimal:
    """What the brand's boosts hold of its EUR budgets, over every month, per the API."""
    rows = client_for(bw.person(Role.ACCOUNT_LEAD)).get(brand_api(bw, "media-budgets/")).json()
    return sum((Decimal(r["committed"]) for r in rows if r["currency"] == "EUR"), Decimal(0))


def test_an_approved_boost_whose_schedule_passed_unstarted_expires_and_frees_its_budget(
    world,
) -> None:
    # Found in exploratory testing: it stayed approved forever, holding its budget.
    set_budgets(world.a, "1000")
    now = timezone.now()
    body = propose(
        world.a,
        budget_total="300.00",
        starts_at=(now + timedelta(hours=1)).isoformat(),
        ends_at=(now + timedelta(hours=3)).isoformat(),
    )
    assert body["status"] == "approved"
    assert committed_eur(world.a) == Decimal("300.00")
    incident = enter_crisis(world.a)  # nothing starts, and the schedule passes meanwhile
    later = now + timedelta(hours=4)
    advance(world.a, later)
    assert status_of(world.a, body["id"]) == "approved"  # the crisis holds it until stand-down
    stand_down(world.a, incident)
    run = advance(world.a, later)
    boost = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        boosts_url(world.a, f"{body['id']}/")
    )
    assert boost.json()["status"] == "cancelled"
    assert "Expired" in boost.json()["status_note"]
    assert committed_eur(world.a) == Decimal("0.00")
    assert (run.expired, run.started) == (1, 0)
    assert advance(world.a, later).expired == 0  # twice is harmless


def test_nothing_starts_during_a_crisis(world, budgets) -> None:
    now = timezone.now()
    body = propose(world.a, starts_at=(now + timedelta(hours=1)).isoformat())
    enter_crisis(world.a)
    advance(world.a, now + timedelta(hours=2))
    assert status_of(world.a, body["id"]) == "approved"


def test_a_boost_that_stops_spending_is_flagged_as_under_delivering(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    run = advance(world.a, timezone.now())
    assert run.checked == 1
    with schema_context(world.a.brand.schema_name):
        assert list(
            BoostAlert.objects.filter(boost_id=boost.pk).values_list("kind", flat=True)
        ) == ["under_delivery"]
        assert Boost.objects.get(pk=boost.pk).status == "active"


def test_the_worker_actors_are_registered() -> None:
    from media import tasks

    assert tasks.advance_brand_boosts.actor_name == "advance_brand_boosts"
    assert tasks.sweep_boost_schedules.actor_name == "sweep_boost_schedules"
