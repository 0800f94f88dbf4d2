"""A boost names one of the brand's audience profiles (issue 15), not free text: the approver
sees who it is for; a profile of another brand, or none at all, is a 400 naming ``audience``."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from content import services as content
from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import boosts_url, proposal

pytestmark = pytest.mark.django_db


def profile(bw, name: str, description: str = "") -> int:  # type: ignore[no-untyped-def]
    with tenant_context(bw.brand):
        return content.create_audience(
            name=name,
            description=description,
            motivations=[],
            pains=[],
            preferred_channels=[],
            active_hours=[],
        ).pk


def test_a_boost_for_an_audience_profile_shows_it_to_the_approver(world, budgets) -> None:
    commuters = profile(world.a, "Morning commuters", "Coffee on the way to work")
    media = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    made = media.post(boosts_url(world.a), proposal(audience=commuters), format="json")
    assert made.status_code == 201, made.json()
    boost = made.json()
    assert boost["audience"] == commuters and boost["audience_name"] == "Morning commuters"
    step = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(
        f"/brands/{world.a.brand.slug}/api/v1/approvals/queue/"
    )
    assert step.status_code == 200
    # The phone view's facts about the boost name the profile.
    from media.describe import describe_boost

    with tenant_context(world.a.brand):
        facts = dict(describe_boost(boost["id"]).facts)
    assert facts["Audience"] == "Morning commuters: Coffee on the way to work"
    assert facts["Network audience"] == "coffee-lovers-ch"


def test_an_unknown_or_foreign_profile_is_a_400_naming_audience(world, budgets) -> None:
    theirs = profile(world.b, "Bayside riders")
    mine = profile(world.a, "Morning commuters")
    media = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    for wrong in (theirs + 1000, "commuters"):
        refused = media.post(boosts_url(world.a), proposal(audience=wrong), format="json")
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["attr"] == "audience"
    if theirs != mine:  # ids are per brand schema: only a distinct id proves the point
        refused = media.post(boosts_url(world.a), proposal(audience=theirs), format="json")
        assert refused.status_code == 400
    # Changing a boost to a profile the brand does not have is refused the same way.
    made = media.post(boosts_url(world.a), proposal(), format="json").json()
    wrong = media.patch(
        boosts_url(world.a, f"{made['id']}/"), {"audience": mine + 999}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["attr"] == "audience"
