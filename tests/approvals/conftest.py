"""Fixtures for approvals: work inside brand A's schema, drafts, signal and email capture."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from approvals.signals import approval_decided, approval_event, crisis_changed
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
    """Records what approvals announced (signals), in order."""

    def __init__(self) -> None:
        self.decided: list[dict[str, Any]] = []
        self.crisis: list[bool] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def on_decided(self, sender: Any, **kwargs: Any) -> None:
        kwargs.pop("signal", None)
        self.decided.append(kwargs)

    def on_crisis(self, sender: Any, active: bool, **kwargs: Any) -> None:
        self.crisis.append(active)

    def on_event(self, sender: Any, kind: str, payload: dict[str, Any], **kwargs: Any) -> None:
        self.events.append((kind, payload))

    def event_kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [payload for k, payload in self.events if k == kind]


@pytest.fixture
def heard() -> Iterator[Heard]:
    record = Heard()
    approval_decided.connect(record.on_decided)
    crisis_changed.connect(record.on_crisis)
    approval_event.connect(record.on_event)
    mail.outbox = []
    yield record
    approval_decided.disconnect(record.on_decided)
    crisis_changed.disconnect(record.on_crisis)
    approval_event.disconnect(record.on_event)


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Any:
    """``with commits():`` runs the on-commit work (signals, emails) of the block at its end."""

    def capture() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return capture


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)
