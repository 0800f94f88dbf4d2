"""``manage.py seed_demo`` (run by ./platform/run) from its own app."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tenants.models import Agency


@pytest.mark.django_db
def test_seed_demo_leaves_a_database_with_an_agency_alone_and_prints_the_sign_in(world) -> None:
    agencies_before = list(Agency.objects.values_list("slug", flat=True))
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert list(Agency.objects.values_list("slug", flat=True)) == agencies_before
    assert "Seeded the demo agency." not in out.getvalue()
    assert "password 'brandroom-demo'" in out.getvalue()
