"""Paid-media fixtures: monthly budgets around today and helpers to propose, sign off and run
boosts. Sign-off goes through the approvals app's API, as the people on the brand do it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import TestCase
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.response import Response

from approvals import services as approval_services
from media.models import Boost
from media.services import boosts as boost_services
from media.services import budgets as budget_services
from tenants.roles import Role
from tests.conftest import BrandWorld, client_for


def months_around(today: date, count: int = 4) -> list[date]:
    first = today.replace(day=1)
    months = [first]
    for _ in range(count - 1):
        first = (first + timedelta(days=32)).replace(day=1)
        months.append(first)
    first = (months[0] - timedelta(days=1)).replace(day=1)
    return [first, *months]


def set_budgets(bw: BrandWorld, amount: str, currency: str = "EUR") -> None:
    with schema_context(bw.brand.schema_name):
        for month in months_around(timezone.now().date()):
            budget_services.set_monthly_budget(
                month=month, currency=currency, amount=Decimal(amount)
            )


@pytest.fixture(autouse=True)
def small_boosts_need_no_sign_off(request: pytest.FixtureRequest) -> None:
    """Both brands at autonomy level 2: with the policy's example thresholds, boosts up to
    500 EUR need no sign-off, up to 5000 EUR the account lead (or agency admin), above that the
    lead and then the client. Tests that change the policy do it through its API."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    world = request.getfixturevalue("world")
    for bw in (world.a, world.b):
        with schema_context(bw.brand.schema_name):
            approval_services.apply_preset(level=2, actor_id=None, now=timezone.now())


@pytest.fixture
def budgets(world) -> None:
    """100,000 EUR a month on both brands, from last month to three months ahead."""
    set_budgets(world.a, "100000")
    set_budgets(world.b, "100000")


def boosts_url(bw: BrandWorld, suffix: str = "") -> str:
    return f"/brands/{bw.brand.slug}/api/v1/boosts/{suffix}"


def proposal(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "external_post_ref": "https://x.com/alpine/status/1",
        "network": "x",
        "objective": "traffic",
        "audience_ref": "coffee-lovers-ch",
        "targeting": {"countries": ["CH"], "age": [25, 54]},
        "currency": "EUR",
        "budget_total": "300.00",
        # Starts now: a proposal may not start in the past (see started_ago for a boost that
        # has been running a while).
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=10)).isoformat(),
    }
    body.update(overrides)
    return body


def propose(bw: BrandWorld, role: str = Role.MEDIA_SPECIALIST, **overrides: Any) -> dict:
    response = client_for(bw.person(role)).post(boosts_url(bw), proposal(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def brand_api(bw: BrandWorld, suffix: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{suffix}"


@contextmanager
def committed(bw: BrandWorld) -> Iterator[None]:
    """Run the block's on-commit work (approvals' signals, emails) at its end, in the brand's
    schema, as it runs when a request's transaction commits inside the request. (The test's
    transaction only "commits" here, after the routing middleware went back to public.)"""
    with schema_context(bw.brand.schema_name), TestCase.captureOnCommitCallbacks(execute=True):
        try:
            yield
        finally:
            connection.set_schema(bw.brand.schema_name)


def open_step(bw: BrandWorld, boost_id: int) -> dict[str, Any]:
    """The step of the boost's approval request that waits for a decision, as the API shows it."""
    viewer = client_for(bw.person(Role.CLIENT_VIEWER))
    requests = viewer.get(
        brand_api(bw, "approvals/requests/"),
        {"subject_kind": "boost", "subject_id": boost_id, "status": "open"},
    ).json()["results"]
    assert len(requests) == 1, requests
    steps = [step for step in requests[0]["steps"] if step["status"] == "open"]
    assert len(steps) == 1, steps
    return steps[0]


def open_step_of(bw: BrandWorld, boost_id: int) -> int:
    """The id of the step of the boost's approval request that waits for a decision."""
    return open_step(bw, boost_id)["id"]


def decide(
    bw: BrandWorld,
    boost_id: int,
    role: str,
    decision: str = "approve",
    comment: str = "",
    *,
    step_id: int | None = None,
) -> Response:
    """One person's decision on the boost's open approval step, through the approvals API."""
    step_id = step_id or open_step_of(bw, boost_id)
    with committed(bw):
        return client_for(bw.person(role)).post(
            brand_api(bw, f"approvals/steps/{step_id}/decision/"),
            {"decision": decision, "comment": comment},
        )


def started_ago(bw: BrandWorld, boost_id: int, delta: timedelta) -> Boost:
    """Time passes: the boost's schedule moves ``delta`` into the past, as if it had been
    proposed to start now ``delta`` ago (proposals cannot start in the past)."""
    with schema_context(bw.brand.schema_name):
        Boost.objects.filter(pk=boost_id).update(
            starts_at=F("starts_at") - delta, ends_at=F("ends_at") - delta
        )
        return Boost.objects.get(pk=boost_id)


def running_boost(
    bw: BrandWorld, *, ran_for: timedelta = timedelta(days=2), **overrides: Any
) -> Boost:
    """An active boost (signed off step by step, the account lead then the client, when its
    spend needs it; then started) that has been running for ``ran_for`` of its ten days, as
    the ORM sees it."""
    body = propose(bw, **overrides)
    while status_of(bw, body["id"]) == Boost.Status.PENDING_APPROVAL:
        step = open_step(bw, body["id"])
        role = Role.ACCOUNT_LEAD if Role.ACCOUNT_LEAD in step["roles"] else step["roles"][0]
        assert decide(bw, body["id"], role, step_id=step["id"]).status_code == 200
    with schema_context(bw.brand.schema_name):
        boost_services.activate_boost(boost_id=body["id"])
    return started_ago(bw, body["id"], ran_for)


def enter_crisis(bw: BrandWorld) -> int:
    """The account lead opens a severity-4 incident: the brand enters crisis. Its id."""
    with committed(bw):
        response = client_for(bw.person(Role.ACCOUNT_LEAD)).post(
            brand_api(bw, "approvals/incidents/"), {"summary": "Recall rumour", "severity": 4}
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def stand_down(bw: BrandWorld, incident_id: int) -> None:
    """The account lead closes the incident: the brand stands down."""
    with committed(bw):
        response = client_for(bw.person(Role.ACCOUNT_LEAD)).post(
            brand_api(bw, f"approvals/incidents/{incident_id}/updates/"),
            {"note": "Rumour denied", "close": True},
        )
    assert response.status_code == 200, response.json()


def status_of(bw: BrandWorld, boost_id: int) -> str:
    with schema_context(bw.brand.schema_name):
        return Boost.objects.get(pk=boost_id).status


def ago(**kwargs: float) -> datetime:
    return timezone.now() - timedelta(**kwargs)
