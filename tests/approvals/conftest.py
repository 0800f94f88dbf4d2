"""Fixtures for approvals: work inside brand A's schema, drafts, announcement and email capture."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from approvals import announcements
from outbox import handlers
from outbox.models import OutboxEvent
from tests.conftest import BrandWorld, World

# A fixed Monday morning in UTC (10:00 in Zurich) that every time-travel test starts from.
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def in_a(world: World) -> Iterator[BrandWorld]:
    """Run the test inside brand A's schema."""
    with tenant_context(world.a.brand):
        yield world.a


@pytest.fixture
def in_b(world: World) -> Iterator[BrandWorld]:
    with tenant_context(world.b.brand):
        yield world.b


class Heard:
    """Records what approvals announced (its outbox events, as a reaction would hear them after
    the commit), in order."""

    def __init__(self) -> None:
        self.decided: list[dict[str, Any]] = []
        self.crisis: list[bool] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def on_decided(self, event: OutboxEvent) -> None:
        self.decided.append(dict(event.payload))

    def on_crisis(self, event: OutboxEvent) -> None:
        self.crisis.append(event.payload["active"])

    def on_event(self, event: OutboxEvent) -> None:
        payload = dict(event.payload)
        self.events.append((payload.pop("notice"), payload))

    def event_kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [payload for k, payload in self.events if k == kind]


LISTENING = {
    announcements.REQUEST_FINISHED: "on_decided",
    announcements.CRISIS_CHANGED: "on_crisis",
    announcements.NOTICE: "on_event",
}


@pytest.fixture
def heard() -> Iterator[Heard]:
    record = Heard()
    for name, method in LISTENING.items():
        handlers.register(name, getattr(record, method), key="tests.heard")
    mail.outbox = []
    yield record
    for name in LISTENING:
        handlers.unregister(name, key="tests.heard")


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Any:
    """``with commits():`` runs the on-commit work (signals, emails) of the block at its end."""

    def capture() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return capture


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)
