"""Reading the crisis state is a read: it never writes to the brand's schema."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from approvals.models import CrisisState
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_brand_that_never_had_a_crisis_reads_calm_without_a_row_being_written(world) -> None:
    with tenant_context(world.a.brand):
        CrisisState.objects.all().delete()

    response = client_for(world.a.person(Role.CLIENT_LEGAL)).get(
        f"/brands/{world.a.brand.slug}/api/v1/approvals/crisis/"
    )

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["incident"] is None
    with tenant_context(world.a.brand):
        assert not CrisisState.objects.exists()
