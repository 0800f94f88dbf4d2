"""Boosts in the attention cockpit: paused and off-pace boosts wait for the people who run the
brand's paid media, and leave the list when they run again or finish."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import ago, boosts_url, propose, running_boost

pytestmark = pytest.mark.django_db


def waiting(user) -> list[tuple[str, str, int]]:
    body = client_for(user).get("/api/v1/attention/").json()
    return [(r["kind"], r["brand"], r["source_id"]) for r in body["results"]]


def test_a_paused_boost_waits_for_the_media_people_of_its_brand_only(world, budgets) -> None:
    boost = propose(world.a)
    specialist = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    url = boosts_url(world.a, f"{boost['id']}/")
    specialist.post(url + "activate/")
    specialist.post(url + "pause/", {"note": "Creative refresh"})
    expected = [("boost_paused", "alpine-coffee", boost["id"])]
    assert waiting(world.a.person(Role.MEDIA_SPECIALIST)) == expected
    assert waiting(world.a.person(Role.ACCOUNT_LEAD)) == expected
    assert waiting(world.a.person(Role.CLIENT_APPROVER)) == []
    assert waiting(world.b.person(Role.MEDIA_SPECIALIST)) == []
    specialist.post(url + "resume/")
    assert waiting(world.a.person(Role.MEDIA_SPECIALIST)) == []


def test_a_boost_spending_ahead_of_schedule_is_off_pace_until_it_completes(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="1000.00")
    specialist = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    start = ago(hours=20)
    specialist.post(
        boosts_url(world.a, f"{boost.pk}/snapshots/"),
        {
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(hours=12)).isoformat(),
            "spend": "450",
        },
    )
    assert waiting(world.a.person(Role.MEDIA_SPECIALIST)) == [
        ("boost_off_pace", "alpine-coffee", boost.pk)
    ]
    specialist.post(boosts_url(world.a, f"{boost.pk}/complete/"))
    assert waiting(world.a.person(Role.MEDIA_SPECIALIST)) == []
