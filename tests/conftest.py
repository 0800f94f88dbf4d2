"""Shared fixtures: two brands created once per session (cloned from the template schema),
with one named person per role on each, so tests read like "Alice cannot see Bob's brand"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dramatiq
import pytest
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from dramatiq.brokers.stub import StubBroker
from rest_framework.test import APIClient

from tenants import services
from tenants.models import Agency, Brand, User
from tenants.roles import Role
from tenants.worker import OPTION
from tests.factories import UserFactory


@dataclass
class BrandWorld:
    brand: Brand
    people: dict[str, User] = field(default_factory=dict)

    def person(self, role: str) -> User:
        return self.people[role]


@dataclass
class World:
    agency: Agency
    admin: User
    a: BrandWorld
    b: BrandWorld


def _make_brand(agency: Agency, admin: User, slug: str, name: str, tz: str) -> BrandWorld:
    brand = services.create_brand(
        agency=agency, name=name, slug=slug, timezone_name=tz, created_by=admin
    )
    world = BrandWorld(brand=brand, people={Role.AGENCY_ADMIN: admin})
    for role in Role:
        if role == Role.AGENCY_ADMIN:
            continue
        user = UserFactory(username=f"{slug}-{role.value}")
        services.add_member(brand=brand, user=user, role=role)
        world.people[role] = user
    return world


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker) -> Iterator[None]:
    """Always create the test database, even when the only tests selected (say the integration
    tests, which commit their data for a worker process to see) carry no django_db mark."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def world(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[World]:
    """Brand A (Alpine Coffee) and brand B (Bayside Bikes) with a member per role each; the
    agency admin is on both. Created once, outside any test transaction."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        admin = UserFactory(username="ada-admin")
        agency = services.create_agency(name="Test Agency", slug="test-agency", admin=admin)
        world = World(
            agency=agency,
            admin=admin,
            a=_make_brand(agency, admin, "alpine-coffee", "Alpine Coffee", "Europe/Zurich"),
            b=_make_brand(agency, admin, "bayside-bikes", "Bayside Bikes", "America/Los_Angeles"),
        )
        connection.set_schema_to_public()
    yield world


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> Iterator[None]:
    yield
    connection.set_schema_to_public()


@contextmanager
def committed_brands(
    world: World, django_db_blocker, *brands: tuple[str, str]
) -> Iterator[list[Brand]]:  # type: ignore[no-untyped-def]
    """Brands of their own, given as (slug, name), with committed data: for tests whose other
    side reads over its own connection (a worker or server process, another thread). Dropped
    afterwards, with everything written in them, so no other test sees it."""
    with django_db_blocker.unblock():
        made = [
            services.create_brand(agency=world.agency, name=name, slug=slug, created_by=world.admin)
            for slug, name in brands
        ]
        try:
            yield made
        finally:
            for brand in made:
                services.delete_brand(brand=Brand.objects.get(pk=brand.pk), confirm=brand.slug)


@pytest.fixture
def own_brand(world: World, django_db_blocker) -> Iterator[Brand]:  # type: ignore[no-untyped-def]
    """One brand of its own with committed data (see ``committed_brands``)."""
    with committed_brands(world, django_db_blocker, ("own-brand", "Own Brand")) as (brand,):
        yield brand


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture(scope="session", autouse=True)
def _close_broker_connections(django_db_setup: None) -> Iterator[None]:
    """Release the broker's own database connections before the test database is dropped."""
    yield
    import dramatiq

    broker = dramatiq.get_broker()
    if hasattr(broker, "pool"):
        broker.close()


class InlineBroker(StubBroker):
    """The broker as unit tests see it (the network edge): a cross-app reaction (an outbox
    event's) and the other actors named in ``run`` run at once (and are listed in ``ran``), in
    the sending thread and in the message's brand, as the worker runs it after the commit; any
    other message is kept in ``kept`` and not run. Tests whose point is the worker itself carry
    the ``integration`` mark and get the real broker and worker."""

    def __init__(self, *, run: set[str]) -> None:
        super().__init__(middleware=[])
        self.run = run
        self.kept: list[dramatiq.Message] = []
        self.ran: list[dramatiq.Message] = []

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        if message.actor_name not in self.run:
            self.kept.append(message)
            return message
        self.ran.append(message)
        schema = message.options.get(OPTION) or connection.schema_name
        actor = dramatiq.get_broker().get_actor(message.actor_name)
        with schema_context(schema or get_public_schema_name()):
            actor.fn(*message.args, **message.kwargs)
        return message


@pytest.fixture(autouse=True)
def inline_worker(request: pytest.FixtureRequest) -> Iterator[InlineBroker | None]:
    """Outbox reactions run inline in unit tests (see ``InlineBroker``); integration tests use
    the real broker and a real worker process."""
    if request.node.get_closest_marker("integration"):
        yield None
        return
    from approvals.tasks import email_sign_in_link
    from outbox.tasks import (
        react_to_outbox_event,
        react_to_outbox_events,
        react_to_outbox_events_of_brands,
    )

    real = dramatiq.get_broker()
    # Sign-in links run inline too: the phone's sign-in tests read the email they send.
    inline = InlineBroker(
        run={
            react_to_outbox_event.actor_name,
            react_to_outbox_events.actor_name,
            react_to_outbox_events_of_brands.actor_name,
            email_sign_in_link.actor_name,
        }
    )
    actors = [real.get_actor(name) for name in real.get_declared_actors()]
    for actor in actors:
        actor.broker = inline
    try:
        yield inline
    finally:
        for actor in actors:
            actor.broker = real


def announced(name: str) -> list[dict]:
    """Payloads of the outbox events called ``name`` in the current brand, oldest first: what
    an app announced for others to react to."""
    from outbox.models import OutboxEvent

    return [e.payload for e in OutboxEvent.objects.filter(name=name).order_by("created_at", "pk")]
