"""The always-on readiness score: each computed criterion moves with the brand's live data and
says what to do next; members of other brands get nothing."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approvals
from content import services as content
from content.models import Brief
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


def test_overall_is_the_mean_of_all_seven_criteria(world) -> None:
    body = readiness(world.a, Role.CLIENT_VIEWER)
    scores = [c["score"] for c in body["criteria"]]
    assert [c["key"] for c in body["criteria"]] == [
        "people_and_hours",
        "autonomy",
        "crisis_readiness",
        "mobility",
        "content_production",
        "audience_understanding",
        "paid_support",
    ]
    assert None not in scores
    assert body["overall"] == round(sum(scores) / 7)
    assert all(c["evidence"] for c in body["criteria"])
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


def test_people_and_hours_follow_the_rota_over_the_audiences_active_hours(world) -> None:
    people = readiness(world.a)["by_key"]["people_and_hours"]
    # Nobody on the rota: no cover of the round-the-clock hours a brand without active hours
    # is judged over; the skills present earn their share.
    assert people["score"] == 40  # every skill is on brand A
    assert people["next_step"].startswith("Put someone on the duty rota on ")
    lead = world.a.person(Role.ACCOUNT_LEAD)
    with schema_context(world.a.brand.schema_name):
        content.create_audience(
            name="Evening commuters",
            description="",
            motivations=[],
            pains=[],
            preferred_channels=[],
            active_hours=["18:00-21:00", "evenings"],  # the free text counts for nothing
        )
        window = approvals.create_coverage_window(
            user_id=lead.pk,
            weekdays=[0, 1, 2, 3, 4],
            starts=time(17, 0),
            ends=time(22, 0),
            actor_id=None,
            now=timezone.now(),
        )
    people = readiness(world.a)["by_key"]["people_and_hours"]
    weekdays_only = 5 / 7
    assert people["evidence"][0] == (
        "Duty rota cover of the audiences' active hours (3 a day) over the next 14 days: "
        f"{weekdays_only:.0%} (1 rota windows)."
    )
    assert people["next_step"] == (
        "Put someone on the duty rota on Saturdays: 3 active hours a week are uncovered that "
        "day (approvals/rota/windows/)."
    )
    with schema_context(world.a.brand.schema_name):
        approvals.update_coverage_window(
            window=window, weekdays=[0, 1, 2, 3, 4, 5, 6], actor_id=None, now=timezone.now()
        )
    people = readiness(world.a)["by_key"]["people_and_hours"]
    assert "over the next 14 days: 100%" in people["evidence"][0]
    assert people["evidence"][1] == (
        "Skills on the brand: account lead, strategist, copywriter, community manager, "
        "media specialist."
    )
    assert people["score"] == 100 and people["next_step"] == ""


def test_mobility_counts_decisions_made_from_the_phone(world) -> None:
    from django.test import Client

    from tests.tenants.test_attention import open_reply

    lead = world.a.person(Role.ACCOUNT_LEAD)
    on_phone, by_api = open_reply(world.a), open_reply(world.a)
    phone = Client()
    phone.force_login(lead)
    slug = world.a.brand.slug
    answer = phone.post(
        f"/brands/{slug}/approve/steps/{on_phone.pk}/decide/", {"decision": "approve"}
    )
    assert answer.status_code in (200, 302)
    api = client_for(lead).post(
        f"/brands/{slug}/api/v1/approvals/steps/{by_api.pk}/decision/",
        {"decision": "approve"},
        format="json",
    )
    assert api.status_code == 200, api.json()
    mobility = readiness(world.a)["by_key"]["mobility"]
    assert mobility["evidence"][0] == (
        "2 decisions in 30 days, 1 from the phone (50%; target 50%)."
    )
    # The lead is no client approver: none of the client's deciders has used the phone yet.
    assert mobility["evidence"][1].startswith(
        "Client approvers who have decided from the phone: 0 of "
    )
    assert mobility["score"] == 40 + 0 + 30
    assert mobility["next_step"].startswith("Get every client approver to sign in")


def test_content_production_measures_brief_to_approval_and_chain_length(world) -> None:
    with schema_context(world.a.brand.schema_name):
        approvals.apply_preset(level=3, actor_id=None, now=timezone.now())
        brief = content.create_brief(title="Autumn blend", key_message="Warm and nutty.")
        Brief.objects.filter(pk=brief.pk).update(created_at=timezone.now() - timedelta(hours=72))
        draft = DraftFactory(kind="post", risk_score=5, brief=brief)
        approvals.request_approval(
            subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None
        )
    production = readiness(world.a)["by_key"]["content_production"]
    assert production["evidence"][0].startswith(
        "1 posts from a brief approved in 30 days; median brief to approval: 72.0 h"
    )
    # 72 h against a 48 h target: two thirds of the 60 points; no chain sent to people yet.
    assert production["score"] == round(60 * 48 / 72 + 40)
    assert production["next_step"].startswith("Get posts from brief to approval faster")
