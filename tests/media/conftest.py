"""Paid-media fixtures: monthly budgets around today and helpers to propose and run boosts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

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
        "starts_at": (now - timedelta(days=2)).isoformat(),
        "ends_at": (now + timedelta(days=8)).isoformat(),
    }
    body.update(overrides)
    return body


def propose(bw: BrandWorld, role: str = Role.MEDIA_SPECIALIST, **overrides: Any) -> dict:
    response = client_for(bw.person(role)).post(boosts_url(bw), proposal(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def running_boost(bw: BrandWorld, **overrides: Any) -> Boost:
    """An active boost (approved under the threshold, then started), as the ORM sees it."""
    body = propose(bw, **overrides)
    with schema_context(bw.brand.schema_name):
        boost = Boost.objects.get(pk=body["id"])
        if boost.status == Boost.Status.PENDING_APPROVAL:
            boost_services.apply_approval_outcome(boost_id=boost.pk, outcome="approved")
        return boost_services.activate_boost(boost_id=boost.pk)


def status_of(bw: BrandWorld, boost_id: int) -> str:
    with schema_context(bw.brand.schema_name):
        return Boost.objects.get(pk=boost_id).status


def ago(**kwargs: float) -> datetime:
    return timezone.now() - timedelta(**kwargs)
