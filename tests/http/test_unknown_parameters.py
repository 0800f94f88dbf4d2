"""A query parameter an endpoint does not take is a 400 naming it, even one with no name (the
contract test found '?=x' answered with attr null, outside the documented error shape)."""

from __future__ import annotations

import pytest

from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query, attr", [("overdu=true", "overdu"), ("=x", "(no name)")])
def test_an_unknown_or_nameless_parameter_is_named_in_the_400(world, query, attr) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    for url in ("/api/v1/attention/", f"/brands/{world.a.brand.slug}/api/v1/readiness/history/"):
        answer = lead.get(f"{url}?{query}")
        assert answer.status_code == 400
        error = answer.json()["errors"][0]
        assert error["code"] == "unknown_parameter"
        assert error["attr"] == attr
