"""A brand has a currency and money defaults follow it (issue 15): an Australian brand's
approval thresholds, boosts and monthly budgets are in AUD without anyone saying so each time,
instead of every brand defaulting to EUR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import AutonomyPolicy
from tenants.models import Brand, Membership
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def create(client, **fields):  # type: ignore[no-untyped-def]
    body = {"agency": "test-agency", "name": "Koala Coffee", "slug": "koala-coffee"} | fields
    return client.post("/api/v1/brands/", body, format="json")


def test_an_australian_brand_works_in_aud_from_the_start(world) -> None:
    admin = client_for(world.admin)
    created = create(admin, timezone="Australia/Sydney", currency="aud")
    assert created.status_code == 201, created.json()
    assert created.json()["currency"] == "AUD"
    brand = Brand.objects.get(slug="koala-coffee")
    with schema_context(brand.schema_name):
        assert AutonomyPolicy.objects.get().boost_currency == "AUD"
    Membership.objects.create(
        brand=brand, user=world.a.person(Role.MEDIA_SPECIALIST), role=Role.MEDIA_SPECIALIST
    )
    api = f"/brands/{brand.slug}/api/v1"
    month = timezone.now().strftime("%Y-%m")
    budget = admin.put(f"{api}/media-budgets/", {"month": month, "amount": "5000"}, format="json")
    assert budget.status_code == 200, budget.json()
    assert budget.json()["currency"] == "AUD"
    now = timezone.now()
    boost = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        f"{api}/boosts/",
        {
            "external_post_ref": "https://x.com/koala/status/1",
            "network": "x",
            "objective": "traffic",
            "budget_total": "300.00",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert boost.status_code == 201, boost.json()
    assert boost.json()["currency"] == "AUD"
    # Its thresholds are in AUD too, so the spend is compared, not sent to the strictest chain.
    assert "not in the thresholds' currency" not in boost.json()["approval_note"]


def test_a_currency_that_is_not_iso_4217_is_refused_naming_the_field(world) -> None:
    admin = client_for(world.admin)
    refused = create(admin, currency="XYZ")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "currency"
    assert not Brand.objects.filter(slug="koala-coffee").exists()
    changed = admin.patch(
        f"/api/v1/brands/{world.a.brand.slug}/", {"currency": "Euro"}, format="json"
    )
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["attr"] == "currency"
    assert Brand.objects.get(pk=world.a.brand.pk).currency == "EUR"
    ok = admin.patch(f"/api/v1/brands/{world.a.brand.slug}/", {"currency": "CHF"}, format="json")
    assert ok.json()["currency"] == "CHF"
