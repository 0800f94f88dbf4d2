"""Two digest runs at the same moment, on separate database connections, send one digest:
entries are claimed with SKIP LOCKED. Committed data, so a brand of its own (dropped after)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from approvals import services
from approvals.models import DigestEntry
from outbox.models import OutboxEvent
from outbox.notifications import EMAIL
from tenants import services as tenant_services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.approvals.conftest import T0
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def digest_brand(world: Any, django_db_blocker: Any) -> Iterator[tuple[Brand, User]]:
    """Committed data on a brand of its own, for two runs on two connections."""
    with django_db_blocker.unblock():
        lead = UserFactory(username="dora-digest-lead", email="dora@agency.test")
        brand = tenant_services.create_brand(
            agency=world.agency, name="Digest Drinks", slug="digest-drinks", created_by=world.admin
        )
        tenant_services.add_member(brand=brand, user=lead, role=Role.ACCOUNT_LEAD)
        with tenant_context(brand):
            for n in range(5):
                DigestEntry.objects.create(
                    user=lead, subject=f"Decision needed: post #{n}", body="...", created_at=T0
                )
        connection.set_schema_to_public()
    try:
        yield brand, lead
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            brand.delete(force_drop=True)
            User.objects.filter(pk=lead.pk).delete()


def test_two_digest_runs_at_once_send_one_digest(digest_brand: Any, django_db_blocker: Any) -> None:
    brand, lead = digest_brand
    start = threading.Barrier(2)
    sent: list[int] = []

    def run() -> None:
        try:
            with tenant_context(brand):
                start.wait(timeout=10)
                sent.append(services.send_due_digests(now=T0 + timedelta(hours=2)))
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(sent) == [0, 1]
        with tenant_context(brand):
            emails = [e.payload for e in OutboxEvent.objects.filter(name=EMAIL)]
            assert [e["to"] for e in emails] == [lead.email]
            assert "5 updates" in emails[0]["subject"]
            assert not DigestEntry.objects.filter(sent_at=None).exists()
        connection.set_schema_to_public()
