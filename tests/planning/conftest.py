"""Planning fixtures: brand A's channels, a strategist's client and dates relative to the
brand's today (Europe/Zurich)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import Channel
from planning.horizon import add_months, month_start, week_start
from tenants.roles import Role
from tests.conftest import client_for


def url(bw: Any, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/plan/{tail}"


def today(bw: Any) -> date:
    return timezone.now().astimezone(ZoneInfo(bw.brand.timezone)).date()


def next_monday(bw: Any, weeks: int = 1) -> date:
    return week_start(today(bw)) + timedelta(days=7 * weeks)


def next_month(bw: Any, months: int = 1) -> date:
    return add_months(month_start(today(bw)), months)


def channel(bw: Any, handle: str, network: str = "instagram") -> Channel:
    with schema_context(bw.brand.schema_name):
        return Channel.objects.create(
            network=network, handle=handle, max_length=2200, max_hashtags=30, links_allowed=True
        )


def errors(response: Any) -> dict[str, str]:
    """The error body as {attr: code}."""
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


@pytest.fixture
def strategist(world: Any) -> Any:
    return client_for(world.a.person(Role.STRATEGIST))


@pytest.fixture
def plan_a(world: Any, strategist: Any) -> dict[str, Any]:
    """Brand A with two channels, two pillars (60 % and 40 %) and a campaign next month."""
    a = world.a
    insta, linkedin = channel(a, "alpinecoffee"), channel(a, "alpine-coffee", "linkedin")
    coffee = strategist.post(
        url(a, "pillars/"),
        {"name": "Coffee culture", "target_share": "60", "description": "Craft and origin"},
    )
    people = strategist.post(url(a, "pillars/"), {"name": "Our people", "target_share": "40"})
    assert coffee.status_code == 201, coffee.json()
    assert people.status_code == 201, people.json()
    start = next_month(a)
    launch = strategist.post(
        url(a, "campaigns/"),
        {
            "name": "Winter blend launch",
            "kind": "launch",
            "starts_on": str(start),
            "ends_on": str(start + timedelta(days=13)),
            "goal": "1,000 pre-orders",
            "pillar": coffee.json()["id"],
        },
    )
    assert launch.status_code == 201, launch.json()
    return {
        "insta": insta.pk,
        "linkedin": linkedin.pk,
        "coffee": coffee.json()["id"],
        "people": people.json()["id"],
        "launch": launch.json()["id"],
        "launch_start": start,
    }


def item_body(plan: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "title": "Meet the roaster",
        "planned_on": str(plan["launch_start"] + timedelta(days=2)),
        "channel": plan["insta"],
        "pillar": plan["people"],
        **overrides,
    }
