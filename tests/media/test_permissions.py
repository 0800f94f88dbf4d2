"""Who may do what with paid media: roles × actions, and nobody from the other brand."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from media.models import Boost, MetricSnapshot, MonthlyBudget
from tenants.roles import LEADS, Role
from tests.conftest import client_for
from tests.media.conftest import (
    ago,
    boosts_url,
    brand_api,
    open_step_of,
    proposal,
    propose,
    running_boost,
    status_of,
)

pytestmark = pytest.mark.django_db

WRITERS = LEADS | {Role.MEDIA_SPECIALIST}
MANAGERS = LEADS


def media_url(bw, name: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{name}/"


def counts(bw) -> tuple[int, int, int, list[str]]:
    with schema_context(bw.brand.schema_name):
        return (
            Boost.objects.count(),
            MetricSnapshot.objects.count(),
            MonthlyBudget.objects.count(),
            sorted(Boost.objects.values_list("status", flat=True)),
        )


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix_for_each_role(world, budgets, role) -> None:
    boost = running_boost(world.a, budget_total="400.00")
    client = client_for(world.a.person(role))
    before = counts(world.a)

    assert client.get(boosts_url(world.a)).status_code == 200
    assert client.get(boosts_url(world.a, f"{boost.pk}/report/")).status_code == 200
    assert client.get(media_url(world.a, "media-budgets")).status_code == 200
    assert client.get(media_url(world.a, "media-reports")).status_code == 200
    assert client.get(media_url(world.a, "media-settings")).status_code == 200

    may_write = role in WRITERS
    proposed = client.post(boosts_url(world.a), proposal())
    assert proposed.status_code == (201 if may_write else 403)
    start = ago(hours=3)
    snapshot = client.post(
        boosts_url(world.a, f"{boost.pk}/snapshots/"),
        {
            "period_start": start.isoformat(),
            "period_end": ago(hours=2).isoformat(),
            "spend": "1.00",
        },
    )
    assert snapshot.status_code == (201 if may_write else 403)
    budget = client.put(
        media_url(world.a, "media-budgets"),
        {"month": "2031-01", "currency": "EUR", "amount": "10"},
    )
    assert budget.status_code == (200 if role in MANAGERS else 403)
    paused = client.post(boosts_url(world.a, f"{boost.pk}/pause/"))
    assert paused.status_code == (200 if may_write else 403)

    if not may_write:
        assert counts(world.a) == before


def test_a_member_of_the_other_brand_learns_nothing_and_changes_nothing(world, budgets) -> None:
    boost = running_boost(world.a, budget_total="400.00")
    pending = propose(world.a, budget_total="1200.00")
    step_id = open_step_of(world.a, pending["id"])
    before = counts(world.a)
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    calls = [
        ("get", boosts_url(world.a), None),
        ("get", boosts_url(world.a, f"{boost.pk}/"), None),
        ("get", boosts_url(world.a, f"{boost.pk}/report/"), None),
        ("get", media_url(world.a, "media-reports"), None),
        ("get", media_url(world.a, "boost-alerts"), None),
        ("post", boosts_url(world.a), proposal()),
        ("post", boosts_url(world.a, f"{boost.pk}/pause/"), {}),
        (
            "post",
            brand_api(world.a, f"approvals/steps/{step_id}/decision/"),
            {"decision": "approve"},
        ),
        (
            "post",
            boosts_url(world.a, f"{boost.pk}/snapshots/"),
            {"period_start": ago(hours=3).isoformat(), "period_end": ago(hours=2).isoformat()},
        ),
        (
            "put",
            media_url(world.a, "media-budgets"),
            {"month": "2031-01", "currency": "EUR", "amount": "1"},
        ),
        ("patch", media_url(world.a, "media-settings"), {"pacing_tolerance_percent": 50}),
    ]
    for method, url, body in calls:
        response = getattr(outsider, method)(url, body) if body is not None else outsider.get(url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert str(boost.pk) not in response.content.decode().replace(url, "")
    assert counts(world.a) == before
    assert status_of(world.a, pending["id"]) == "pending_approval"
    # The other brand's own boost id space is separate: the same id is not A's boost there.
    assert outsider.get(boosts_url(world.b, f"{boost.pk}/")).status_code == 404


def test_anonymous_callers_are_refused(world, api) -> None:
    assert api.get(boosts_url(world.a)).status_code in (401, 403)
