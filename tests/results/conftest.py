"""Results fixtures: published posts on brand A's channels, and clients for the integrator
(an API key with ``ingest:metrics``) and the people of the brand."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import AudienceProfile, Brief, Channel, Draft, InboxItem
from results.models import Department
from results.periods import period_start, previous_period
from tenants.roles import Role, Scope
from tests.conftest import client_for
from tests.integrations.conftest import key_client


def results_url(bw: Any, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/results/{tail}"


def integrator(bw: Any) -> Any:
    return key_client(bw.brand, [Scope.INGEST_METRICS])


def channel(bw: Any, handle: str = "alpinecoffee", network: str = "instagram") -> Channel:
    with schema_context(bw.brand.schema_name):
        return Channel.objects.create(
            network=network, handle=handle, max_length=2200, max_hashtags=30, links_allowed=False
        )


def published_post(
    bw: Any,
    external_id: str,
    *,
    published_at: datetime,
    on: Channel | None = None,
    audience: AudienceProfile | None = None,
    campaign: str = "",
    kind: str = "post",
    text: str = "",
    status: str = "published",
) -> Draft:
    """A post that went out (as the published callback leaves it)."""
    with schema_context(bw.brand.schema_name):
        brief = (
            Brief.objects.create(title=f"Brief {external_id}", key_message="x", campaign=campaign)
            if campaign
            else None
        )
        return Draft.objects.create(
            kind=kind,
            text=text or f"Post {external_id}",
            status=status,
            channel=on,
            audience=audience,
            brief=brief,
            external_id=external_id,
            published_at=published_at,
        )


def snap(external_id: str, at: str, **counters: Any) -> dict[str, Any]:
    return {"external_id": external_id, "observed_at": at, **counters}


ZURICH = ZoneInfo("Europe/Zurich")


def api(bw, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{tail}"


def months() -> tuple:
    """This month's and last month's first days, brand-local."""
    today = timezone.now().astimezone(ZURICH).date()
    this = period_start(today, "month")
    return previous_period(this, "month"), this


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZURICH)


def department(bw, name: str) -> int:
    with schema_context(bw.brand.schema_name):
        return Department.objects.get(name=name).pk


def seat(bw, name: str, role: str) -> tuple[int, int]:
    lead = client_for(bw.person(Role.ACCOUNT_LEAD))
    dept = department(bw, name)
    seated = lead.post(
        api(bw, f"departments/{dept}/members/"), {"user": bw.person(role).pk}, format="json"
    )
    assert seated.status_code == 201, seated.json()
    return dept, bw.person(role).pk


def kpi_body(**overrides) -> dict:
    return {
        "name": "Engagements on Instagram",
        "metric": "engagements",
        "period": "month",
        "direction": "at_least",
        "target": "500",
        **overrides,
    }


def reply_to(bw, item_at: datetime, minutes: int, n: int) -> None:
    with schema_context(bw.brand.schema_name):
        item = InboxItem.objects.create(
            author_handle=f"fan{n}", text="Do you ship to Bern?", received_at=item_at
        )
        Draft.objects.create(
            kind="reply",
            text="We do!",
            status="published",
            inbox_item=item,
            published_at=item_at + timedelta(minutes=minutes),
        )


@pytest.fixture
def brand_with_results(world):
    """Last month: one Instagram post whose engagements grew 130 then 270 more (400), and three
    inbox items answered in 20, 60 and 10 minutes (median 20). This month so far: +50."""
    a = world.a
    last, this = months()
    insta = channel(a)
    published_post(a, "ig-1", published_at=at(last + timedelta(days=2), 9), on=insta)
    now = timezone.now()
    answer = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                snap(
                    "ig-1",
                    at(last + timedelta(days=2), 12).isoformat(),
                    impressions=2000,
                    reactions=100,
                    comments=20,
                    shares=5,
                    saves=5,
                ),
                snap(
                    "ig-1",
                    at(last + timedelta(days=9), 12).isoformat(),
                    impressions=6000,
                    reactions=300,
                    comments=50,
                    shares=20,
                    saves=30,
                ),
                snap(
                    "ig-1",
                    (now - timedelta(minutes=1)).isoformat(),
                    impressions=6500,
                    reactions=350,
                    comments=50,
                    shares=20,
                    saves=30,
                ),
            ]
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    for n, minutes in enumerate([20, 60, 10]):
        reply_to(a, at(last + timedelta(days=4 + n), 10), minutes, n)
    marketing, lead = seat(a, "Marketing", Role.ACCOUNT_LEAD)
    service, approver = seat(a, "Customer Service", Role.CLIENT_APPROVER)
    return {
        "channel": insta.pk,
        "marketing": marketing,
        "lead": lead,
        "service": service,
        "approver": approver,
        "last": last,
        "this": this,
    }
