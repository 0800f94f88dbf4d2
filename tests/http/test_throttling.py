"""Throttling per API key and per brand: 429 with Retry-After, other budgets unaffected."""

from __future__ import annotations

import pytest

from tenants.roles import Role
from tests.conftest import client_for
from tests.integrations.conftest import key_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(*, brand: str, api_key: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"brand": brand, "api_key": api_key},
        }

    return set_rates


def brand_root(brand) -> str:
    return f"/brands/{brand.slug}/api/v1/"


def test_api_key_over_its_rate_gets_429_with_retry_after(world, rates) -> None:
    rates(brand="1000/min", api_key="3/min")
    busy = key_client(world.a.brand)
    calm = key_client(world.a.brand)

    codes = [busy.get(brand_root(world.a.brand)).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    throttled = busy.get(brand_root(world.a.brand))
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["errors"][0]["code"] == "throttled"
    # Another key of the same brand has its own budget.
    assert calm.get(brand_root(world.a.brand)).status_code == 200


def test_brand_budget_is_shared_by_all_its_callers_and_not_by_other_brands(world, rates) -> None:
    rates(brand="4/min", api_key="1000/min")
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    writer = client_for(world.a.person(Role.COPYWRITER))
    key = key_client(world.a.brand)

    codes = [c.get(brand_root(world.a.brand)).status_code for c in (lead, writer, key, lead)]
    assert codes == [200, 200, 200, 200]
    refused = writer.get(brand_root(world.a.brand))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0

    other_brand = client_for(world.b.person(Role.ACCOUNT_LEAD))
    assert other_brand.get(brand_root(world.b.brand)).status_code == 200


def test_throttled_post_is_not_kept_for_idempotent_replay(world, rates) -> None:
    rates(brand="1000/min", api_key="1/min")
    client = key_client(world.a.brand, scopes=["read", "write:content"])
    url = f"/brands/{world.a.brand.slug}/api/v1/channels/"
    client.get(url)
    refused = client.post(url, {"network": "x", "handle": "a"}, HTTP_IDEMPOTENCY_KEY="t-1")
    assert refused.status_code == 429

    rates(brand="1000/min", api_key="1000/min")
    retried = client.post(url, {"network": "x", "handle": "a"}, HTTP_IDEMPOTENCY_KEY="t-1")
    assert retried.status_code == 201
