"""Creating, suspending and deleting brands, and keeping the template schema migrated."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from content import services as content_services
from content.models import Channel
from tenants import provisioning, services
from tenants.errors import ConfirmationRequired, SlugTaken, TenantsError
from tenants.models import Brand
from tests.conftest import client_for

# Schema DDL is transactional in PostgreSQL, so each test's brands vanish with its rollback.
pytestmark = pytest.mark.django_db


def _table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
        return cursor.fetchone() is not None


def test_new_brand_gets_its_own_schema_with_every_brand_table(world) -> None:
    brand = services.create_brand(agency=world.agency, name="Cedar Books", slug="cedar-books")
    try:
        assert schema_exists("brand_cedar_books")
        assert _table_exists("brand_cedar_books", "content_channel")
        with schema_context(brand.schema_name):
            assert Channel.objects.count() == 0
    finally:
        services.delete_brand(brand=brand, confirm="cedar-books")


def test_stale_template_is_migrated_before_a_brand_is_cloned_from_it(world) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{provisioning.template_schema_name()}" CASCADE')
    assert not provisioning.template_is_current()

    brand = services.create_brand(agency=world.agency, name="Dune Tea", slug="dune-tea")
    try:
        assert provisioning.template_is_current()
        assert _table_exists("brand_dune_tea", "content_channel")
    finally:
        services.delete_brand(brand=brand, confirm="dune-tea")


def test_migrate_schemas_also_migrates_the_template(world) -> None:
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{provisioning.template_schema_name()}" CASCADE')
    call_command("migrate_schemas", interactive=False, verbosity=0)
    assert provisioning.template_is_current()


def test_duplicate_slug_is_refused_naming_the_field(world) -> None:
    with pytest.raises(SlugTaken) as excinfo:
        services.create_brand(agency=world.agency, name="Again", slug=world.a.brand.slug)
    assert excinfo.value.field == "slug"
    assert Brand.objects.filter(slug=world.a.brand.slug).count() == 1


def test_unknown_timezone_is_refused_before_anything_is_created(world) -> None:
    with pytest.raises(TenantsError) as excinfo:
        services.create_brand(
            agency=world.agency, name="X", slug="tz-brand", timezone_name="Mars/Olympus"
        )
    assert excinfo.value.field == "timezone"
    assert not Brand.objects.filter(slug="tz-brand").exists()
    assert not schema_exists("brand_tz_brand")


def test_deleting_needs_the_slug_repeated(world) -> None:
    brand = services.create_brand(agency=world.agency, name="Elm Bakery", slug="elm-bakery")
    with pytest.raises(ConfirmationRequired):
        services.delete_brand(brand=brand, confirm="yes")
    assert schema_exists("brand_elm_bakery")

    services.delete_brand(brand=brand, confirm="elm-bakery")
    assert not schema_exists("brand_elm_bakery")
    assert not Brand.objects.filter(slug="elm-bakery").exists()


def test_cloned_brand_is_recorded_as_fully_migrated(world) -> None:
    brand = services.create_brand(agency=world.agency, name="Gale Goods", slug="gale-goods")
    with connection.cursor() as cursor:
        cursor.execute('SELECT app, name FROM "brand_gale_goods".django_migrations')
        applied = set(cursor.fetchall())
    assert provisioning._tenant_migrations() <= applied
    from django.db.migrations.executor import MigrationExecutor

    with schema_context(brand.schema_name):
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    tenant_labels = {label for label, _ in provisioning._tenant_migrations()}
    assert [m for m, _ in plan if m.app_label in tenant_labels] == []


def test_a_slug_that_names_the_template_schema_is_refused(world) -> None:
    response = client_for(world.admin).post(
        "/api/v1/brands/", {"agency": "test-agency", "name": "Template Co", "slug": "template"}
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "slug"
    assert not Brand.objects.filter(slug="template").exists()
    # The template is untouched and new brands still start empty.
    assert provisioning.template_is_current()
    brand = services.create_brand(agency=world.agency, name="Fern Farm", slug="fern-farm")
    with schema_context(brand.schema_name):
        assert Channel.objects.count() == 0


def test_a_new_brand_never_inherits_a_schema_left_behind(world) -> None:
    """A brand row removed without its schema (say by a raw delete) leaves data behind; a new
    brand with the same slug is refused rather than handed that data, and the data stays."""
    old = services.create_brand(agency=world.agency, name="Hazel Hats", slug="hazel-hats")
    with schema_context(old.schema_name):
        content_services.create_channel(network="x", handle="hazel-secret")
    Brand.objects.filter(pk=old.pk).delete()  # the row only: auto_drop_schema is off
    assert schema_exists("brand_hazel_hats")

    with pytest.raises(SlugTaken) as excinfo:
        services.create_brand(agency=world.agency, name="Hazel Two", slug="hazel-hats")
    assert excinfo.value.field == "slug"
    assert not Brand.objects.filter(slug="hazel-hats").exists()
    with schema_context("brand_hazel_hats"):
        assert Channel.objects.filter(handle="hazel-secret").exists()


def test_deleting_a_brand_in_the_admin_drops_its_schema(world) -> None:
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    brand = services.create_brand(agency=world.agency, name="Ivy Inks", slug="ivy-inks")
    model_admin = site._registry[Brand]
    request = RequestFactory().post("/admin/")
    request.user = world.admin
    model_admin.delete_queryset(request, Brand.objects.filter(pk=brand.pk))
    assert not Brand.objects.filter(slug="ivy-inks").exists()
    assert not schema_exists("brand_ivy_inks")
