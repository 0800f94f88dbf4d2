"""A boost from proposal to pacing, entirely through the API: the brand is at autonomy level 2,
a media specialist proposes, the account lead signs off the spend in the approvals queue, the
integrator feeds results, everyone sees the figures, the pacing and the alert when the cap is
hit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from media.models import Boost
from tenants import services as tenant_services
from tenants.roles import Role, Scope
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_boost_from_proposal_to_cap_alert(world, django_capture_on_commit_callbacks) -> None:
    brand = world.a
    base = f"/brands/{brand.brand.slug}/api/v1/"
    lead = client_for(brand.person(Role.ACCOUNT_LEAD))
    specialist = client_for(brand.person(Role.MEDIA_SPECIALIST))
    client = client_for(brand.person(Role.CLIENT_VIEWER))
    assert lead.post(base + "approvals/policy/preset/", {"level": 2}).status_code == 200
    now = timezone.now()
    for month in {now.date().replace(day=1), (now + timedelta(days=8)).date().replace(day=1)}:
        response = lead.put(
            base + "media-budgets/",
            {"month": f"{month:%Y-%m}", "currency": "EUR", "amount": "5000"},
        )
        assert response.status_code == 200

    proposed = specialist.post(
        base + "boosts/",
        {
            "external_post_ref": "https://www.instagram.com/p/alpine-roast",
            "network": "instagram",
            "objective": "engagement",
            "audience_ref": "espresso-fans",
            "targeting": {"countries": ["CH", "DE"]},
            "currency": "EUR",
            "budget_total": "1500.00",
            "daily_cap": "200.00",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=8)).isoformat(),
        },
    )
    assert proposed.status_code == 201
    boost = proposed.json()
    assert boost["status"] == "pending_approval"
    url = base + f"boosts/{boost['id']}/"

    assert "account_lead" in boost["approval_note"]

    queue = lead.get(base + "approvals/queue/").json()["results"]
    step = next(item for item in queue if item["request"]["subject_id"] == boost["id"])
    assert step["request"]["subject_kind"] == "boost"
    assert specialist.post(url + "activate/").status_code == 409  # not signed off yet
    with schema_context(brand.brand.schema_name), django_capture_on_commit_callbacks(execute=True):
        decided = lead.post(
            base + f"approvals/steps/{step['id']}/decision/", {"decision": "approve"}
        )
        # The request commits inside the view in production; here the test's transaction
        # "commits" after the routing middleware went back to public, so go back to the brand.
        connection.set_tenant(brand.brand)
    assert decided.status_code == 200
    assert decided.json()["status"] == "approved"
    assert client.get(url).json()["status"] == "approved"
    assert specialist.post(url + "activate/").json()["status"] == "active"
    # A day passes (the only step not through the API: a proposal cannot start in the past).
    with schema_context(brand.brand.schema_name):
        Boost.objects.filter(pk=boost["id"]).update(
            starts_at=F("starts_at") - timedelta(days=1), ends_at=F("ends_at") - timedelta(days=1)
        )

    _key, secret = tenant_services.create_api_key(
        brand=brand.brand, name="ads-sync", scopes=[Scope.INGEST_METRICS]
    )
    integrator = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    start = now - timedelta(hours=20)
    pushed = integrator.post(
        url + "snapshots/",
        {
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(hours=12)).isoformat(),
            "impressions": 40000,
            "reach": 25000,
            "clicks": 800,
            "engagements": 2000,
            "spend": "180.00",
        },
    )
    assert pushed.status_code == 201

    report = client.get(url + "report/").json()
    assert report["figures"]["cpm"] == "4.5000"
    assert report["figures"]["cost_per_result"] == "0.0900"  # per engagement
    assert report["figures"]["ctr_percent"] == "2.00"
    assert report["pacing"]["status"] in {"on_track", "overspending", "under_delivering"}
    assert report["pacing"]["expected_spend"]

    later = now - timedelta(hours=6)
    with django_capture_on_commit_callbacks(execute=True):
        integrator.post(
            url + "snapshots/",
            {
                "period_start": later.isoformat(),
                "period_end": (later + timedelta(hours=3)).isoformat(),
                "spend": "1400.00",
            },
        )
    after = client.get(url).json()
    assert (after["status"], after["pause_reason"]) == ("paused", "cap_reached")
    alerts = client.get(url + "alerts/").json()["results"]
    assert "cap_reached" in {a["kind"] for a in alerts}
    assert any("Boost #" in m.subject for m in mail.outbox)
