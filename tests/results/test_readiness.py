"""The always-on readiness score: each computed criterion moves with the brand's live data and
says what to do next; members of other brands get nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approvals
from content import services as content
from media.models import Boost, BoostAlert
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def readiness(bw, role: str = Role.ACCOUNT_LEAD) -> dict:
    response = client_for(bw.person(role)).get(f"/brands/{bw.brand.slug}/api/v1/readiness/")
    assert response.status_code == 200, response.json()
    body = response.json()
    body["by_key"] = {c["key"]: c for c in body["criteria"]}
    return body


def test_crisis_readiness_counts_pr_legal_and_incident_owners(world) -> None:
    crisis = readiness(world.a)["by_key"]["crisis_readiness"]
    assert crisis["score"] == 100  # brand A has leads, PR and Legal, and no incident
    with schema_context(world.a.brand.schema_name):
        approvals.open_incident(summary="Rumour", severity=2, owner_id=None, actor_id=None)
    crisis = readiness(world.a)["by_key"]["crisis_readiness"]
    assert crisis["score"] == 75
    assert crisis["next_step"] == "Give every open incident an owner."
    assert "Open incidents: 1, without an owner: 1." in crisis["evidence"]


def test_audience_understanding_follows_profiles_and_inbox_sentiment(world) -> None:
    empty = readiness(world.a)["by_key"]["audience_understanding"]
    assert empty["score"] == 40  # no profiles, no negative items
    assert empty["next_step"].startswith("Complete the audience profiles")
    with schema_context(world.a.brand.schema_name):
        content.create_audience(
            name="Commuters",
            description="On the way to work",
            motivations=["speed"],
            pains=["queues"],
            preferred_channels=[],
            active_hours=[],
        )
        content.ingest_inbox_item(author_handle="a", text="Great beans", sentiment="positive")
        content.ingest_inbox_item(author_handle="b", text="Awful, refund!", sentiment="negative")
    audience = readiness(world.a)["by_key"]["audience_understanding"]
    assert audience["score"] == round(60 * 3 / 5 + 40 * 1 / 2)
    assert "1 audience profiles, 60% of their fields filled in." in audience["evidence"]


def test_autonomy_rises_with_work_cleared_without_sign_off(world) -> None:
    with schema_context(world.a.brand.schema_name):
        approvals.apply_preset(level=3, actor_id=None, now=timezone.now())
        for _ in range(2):
            draft = DraftFactory(kind="post", risk_score=5)
            approvals.request_approval(
                subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None
            )
    autonomy = readiness(world.a)["by_key"]["autonomy"]
    cleared = "2 requests in 30 days, 2 cleared with no sign-off (100%; target 50%)."
    assert cleared in autonomy["evidence"]
    assert autonomy["score"] == 40  # nothing decided yet: the 60 for deciding in time is open
    assert autonomy["next_step"].startswith("Decide steps within their deadline")


def test_overall_is_the_mean_of_what_is_computed_and_the_rest_say_so(world) -> None:
    body = readiness(world.a, Role.CLIENT_VIEWER)
    computed = [c["score"] for c in body["criteria"] if c["score"] is not None]
    assert len(body["criteria"]) == 7 and len(computed) == 4
    assert body["overall"] == round(sum(computed) / 4)
    assert body["by_key"]["mobility"]["evidence"] == ["Not computed yet."]
    other = client_for(world.b.person(Role.ACCOUNT_LEAD))
    assert other.get(f"/brands/{world.a.brand.slug}/api/v1/readiness/").status_code == 404


def test_paid_support_drops_when_a_running_boost_is_off_pace(world) -> None:
    calm = readiness(world.a)["by_key"]["paid_support"]
    assert calm["score"] == 50  # nothing running is off pace; no best posts boosted
    assert calm["next_step"].startswith("Boost the best-performing posts")
    now = timezone.now()
    with schema_context(world.a.brand.schema_name):
        boost = Boost.objects.create(
            external_post_ref="https://x.com/alpine/status/9",
            network="x",
            objective="reach",
            currency="EUR",
            budget_total=Decimal("500"),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=9),
        )
        # Along the transition table (the database refuses any other move).
        Boost.objects.filter(pk=boost.pk).update(status="approved")
        Boost.objects.filter(pk=boost.pk).update(status="active")
        BoostAlert.objects.create(boost=boost, kind="overspend", key="total", message="Ahead")
    paid = readiness(world.a)["by_key"]["paid_support"]
    assert paid["score"] == 0
    assert "1 boosts running, 1 off pace in 48 hours." in paid["evidence"]
