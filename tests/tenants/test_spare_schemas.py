"""Spare brand schemas made ahead (tenants.spare_schemas): a new brand takes one when one is ready
at the template's migration state, and gets the same complete schema either way."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from content import services as content_services
from content.models import Channel
from tenants import provisioning, services, spare_schemas
from tenants.models import Brand
from tenants.signals import brand_provisioned
from tests.tenants.test_schema_replay import drop_spares, rows, signature

pytestmark = pytest.mark.django_db


def spares() -> dict[str, str | None]:
    """Every spare schema, with the migration state digest it was made at."""
    with connection.cursor() as cursor:
        return dict(spare_schemas._spares(cursor))


def current_digest() -> str:
    state = provisioning.template_state()
    assert state is not None
    return spare_schemas.state_digest(state)


def test_a_new_brand_takes_a_ready_spare_and_gets_every_table(world) -> None:
    drop_spares()
    assert provisioning.refill_spare_schemas() == 2  # BRAND_SPARE_SCHEMAS
    before = set(spares())

    brand = services.create_brand(agency=world.agency, name="Moss Co", slug="moss-co")

    taken = before - set(spares())
    assert len(taken) == 1
    assert not any(schema_exists(name) for name in taken)
    template = provisioning.template_schema_name()
    assert signature(brand.schema_name) == signature(template)
    assert rows(brand.schema_name, "django_migrations") == rows(template, "django_migrations")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(%s::regnamespace, 'pg_namespace')", [brand.schema_name]
        )
        assert cursor.fetchone()[0] is None  # no longer tagged as a spare
    with schema_context(brand.schema_name):
        first = content_services.create_channel(network="x", handle="moss")
        assert list(Channel.objects.values_list("pk", flat=True)) == [first.pk]
    assert rows(template, "content_channel") == []


def test_with_no_spare_ready_the_brand_schema_is_replayed(world) -> None:
    drop_spares()

    brand = services.create_brand(agency=world.agency, name="Nook Co", slug="nook-co")

    assert signature(brand.schema_name) == signature(provisioning.template_schema_name())
    assert spares() == {}  # made by the worker afterwards, not on the request


def test_a_spare_made_at_another_migration_state_is_never_used_and_is_dropped(world) -> None:
    drop_spares()
    # A spare made before the code gained a migration: tagged with the older state.
    older = frozenset(provisioning.template_state() or ()) - {("content", "0001_initial")}
    spare_schemas.refill(state=older, count=1)
    (stale,) = spares()

    brand = services.create_brand(agency=world.agency, name="Oak Co", slug="oak-co")

    assert schema_exists(stale)
    assert signature(brand.schema_name) == signature(provisioning.template_schema_name())
    provisioning.refill_spare_schemas()
    assert not schema_exists(stale)
    assert list(spares().values()) == [current_digest()] * 2


def test_migrate_schemas_leaves_spares_at_the_new_template_state(world) -> None:
    drop_spares()
    spare_schemas.refill(state=frozenset({("content", "0001_initial")}), count=1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{provisioning.template_schema_name()}" CASCADE')

    call_command("migrate_schemas", interactive=False, verbosity=0)

    assert provisioning.template_is_current()
    assert list(spares().values()) == [current_digest()] * 2
    # A brand created right after the migrate takes one and gets every table.
    brand = services.create_brand(agency=world.agency, name="Pine Co", slug="pine-co")
    assert len(spares()) == 1
    assert signature(brand.schema_name) == signature(provisioning.template_schema_name())


def test_a_stale_template_is_migrated_before_a_spare_is_taken(world) -> None:
    drop_spares()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{provisioning.template_schema_name()}" CASCADE')
    assert provisioning.refill_spare_schemas() == 0  # nothing made from a missing template

    brand = services.create_brand(agency=world.agency, name="Reed Co", slug="reed-co")

    assert provisioning.template_is_current()
    assert signature(brand.schema_name) == signature(provisioning.template_schema_name())


def test_a_creation_that_fails_while_seeding_leaves_no_brand_and_keeps_the_spare(world) -> None:
    drop_spares()
    provisioning.refill_spare_schemas()
    before = spares()

    def broken_seeding(**_kwargs: object) -> None:
        raise RuntimeError("seeding failed")

    brand_provisioned.connect(broken_seeding, dispatch_uid="test.broken_seeding")
    try:
        with pytest.raises(RuntimeError, match="seeding failed"):
            services.create_brand(agency=world.agency, name="Sage Co", slug="sage-co")
    finally:
        brand_provisioned.disconnect(dispatch_uid="test.broken_seeding")

    assert not Brand.objects.filter(slug="sage-co").exists()
    assert not schema_exists("brand_sage_co")
    assert spares() == before  # the claimed spare is a spare again
