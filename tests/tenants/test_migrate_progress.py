"""migrate_schemas over many brands: progress, brands already up to date skipped in one query,
and a brand that fails is reported and makes the command fail (never silently skipped)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Brand
from tenants.provisioning import template_schema_name

pytestmark = pytest.mark.django_db

# Brands that are cheap to make: only the two tables migrate reads and writes in a brand schema.
_TABLES = ("django_migrations", "django_content_type")


def _cheap_brands(agency, count: int, *, prefix: str, behind: str | None = None) -> list[str]:
    """``count`` brands whose schemas hold the template's migration records (less ``behind``,
    an ``app.name`` they then still need) and content types, made in a few statements."""
    template = template_schema_name()
    names = [f"{prefix}_{i:03d}" for i in range(count)]
    Brand.objects.bulk_create(
        Brand(agency=agency, name=n, slug=n.replace("_", "-"), schema_name=n) for n in names
    )
    statements = []
    for name in names:
        statements.append(f'CREATE SCHEMA "{name}"')
        for table in _TABLES:
            statements.append(
                f'CREATE TABLE "{name}".{table} (LIKE "{template}".{table} INCLUDING ALL);'
                f' INSERT INTO "{name}".{table} SELECT * FROM "{template}".{table};'
                f" SELECT setval(pg_get_serial_sequence('\"{name}\".{table}', 'id'),"
                f' (SELECT max(id) FROM "{name}".{table}))'
            )
        if behind:
            app, migration = behind.split(".")
            statements.append(
                f'DELETE FROM "{name}".django_migrations'
                f" WHERE app = '{app}' AND name = '{migration}'"
            )
    with connection.cursor() as cursor:
        cursor.execute(";".join(statements))
    return names


def _recorded(schema: str, app: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM "{schema}".django_migrations WHERE app = %s AND name = %s', [app, name]
        )
        return cursor.fetchone() is not None


def test_migration_over_200_brands_shows_progress_and_a_failing_brand_fails_the_command(
    world,
) -> None:
    names = _cheap_brands(world.agency, 200, prefix="many", behind="sessions.0001_initial")
    # A brand whose schema is gone: it cannot be migrated, and must not pass unnoticed.
    Brand.objects.create(agency=world.agency, name="Lost", slug="lost", schema_name="lost_schema")
    out = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("migrate_schemas", tenant=True, interactive=False, stdout=out)

    text = out.getvalue()
    assert "1 of 201 brands failed to migrate: lost_schema" in str(failed.value)
    # The two fixture brands are up to date; the 200 behind and the lost one are walked.
    assert "Brands: 203; 2 already up to date" in text
    assert "migrate brands: 201 to do" in text
    assert "migrate brands: 101/201 (50 %), last many_099" in text
    assert "migrate brands: 201/201 (100 %)" in text
    assert "migrate brands: FAILED lost_schema: MigrationSchemaMissing" in text
    assert "200 of 201 done" in text and "1 FAILED:" in text
    # The walk went on past the failure: every brand behind got its migration.
    assert all(_recorded(name, "sessions", "0001_initial") for name in names)


def test_brands_already_up_to_date_are_skipped_after_one_query(world) -> None:
    _cheap_brands(world.agency, 200, prefix="done")
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("migrate_schemas", tenant=True, interactive=False, stdout=out)
    assert "Brands: 202; 202 already up to date" in out.getvalue()
    assert "migrate brands: 0 to do" in out.getvalue()
    # (Spare brand schemas made at the end replay the template's DDL, which has UNION ALLs of
    # its own: they are not a walk over the brands.)
    union_queries = [
        q
        for q in queries.captured_queries
        if "UNION ALL" in q["sql"] and "spare_brand_" not in q["sql"]
    ]
    assert len(union_queries) == 1


def test_all_brands_flag_walks_brands_that_are_up_to_date(world) -> None:
    out = io.StringIO()
    call_command("migrate_schemas", tenant=True, interactive=False, all_brands=True, stdout=out)
    assert "migrate brands: 2 to do" in out.getvalue()
    assert "2 of 2 done" in out.getvalue()


def test_the_recorder_looks_for_django_migrations_in_the_brand_schema_alone(world) -> None:
    """tenants.migration_recorder: one index lookup per schema, never a listing of every table
    (which scans all brands' tables), and public's django_migrations never counts for a brand."""
    from django.db.migrations.recorder import MigrationRecorder
    from django_tenants.utils import schema_context

    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "no_recorder"')
    with schema_context("no_recorder"):
        assert MigrationRecorder(connection).has_table() is False
    with schema_context(world.a.brand.schema_name), CaptureQueriesContext(connection) as queries:
        assert MigrationRecorder(connection).has_table() is True
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "pg_table_is_visible" not in sql and "django_migrations" in sql
