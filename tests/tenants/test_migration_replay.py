"""A deploy with new migrations: brands at the template's migration state get the SQL the
template ran, replayed in one transaction each, and end up with the very schema a normal
migrate gives; brands at another state, and plans with Python in them, migrate as before."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from tenants import migration_replay, provisioning, services

pytestmark = pytest.mark.django_db

TEMPLATE = provisioning.template_schema_name


def _back_to(schema: str, app: str, migration: str) -> None:
    call_command(
        "migrate_schemas",
        schema_name=schema,
        app_label=app,
        migration_name=migration,
        interactive=False,
        verbosity=0,
    )


def _shape(schema: str) -> list[tuple[str, ...]]:
    """What planning 0008 makes, as the catalog shows it, with the schema's name taken out:
    every planning column, and the constraints and indexes of the new table and the new column.
    (Only those: brands made from the template's DDL show older CHECKs in PostgreSQL's own
    words, the same constraint written differently from the one Django's migration wrote.)"""
    new = "(t.relname = 'planning_distributionaction' OR {text} LIKE '%%audience%%')"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'column', table_name, column_name, data_type, is_nullable,"
            " coalesce(column_default, '') FROM information_schema.columns"
            " WHERE table_schema = %(s)s AND table_name LIKE 'planning_%%'"
            " UNION ALL SELECT 'constraint', t.relname, c.conname,"
            " replace(replace(pg_get_constraintdef(c.oid), %(q)s, ''), %(s)s || '.', ''), '', ''"
            " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            f" WHERE n.nspname = %(s)s AND {new.format(text='pg_get_constraintdef(c.oid)')}"
            " UNION ALL SELECT 'index', t.relname, indexname,"
            " replace(replace(indexdef, %(q)s, ''), %(s)s || '.', ''), '', ''"
            " FROM pg_indexes JOIN pg_class t ON t.relname = tablename"
            " JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = schemaname"
            f" WHERE schemaname = %(s)s AND {new.format(text='indexdef')}",
            {"s": schema, "q": f'"{schema}".'},
        )
        return sorted(cursor.fetchall())


def _recorded(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def _brands(world, *names: str) -> list[str]:
    return [
        services.create_brand(agency=world.agency, name=n.title(), slug=n).schema_name
        for n in names
    ]


def test_brands_at_the_templates_state_get_its_sql_and_the_schema_migrate_gives(world) -> None:
    level, odd = _brands(world, "level-one", "odd-one")
    full = _recorded(level)
    for schema in (TEMPLATE(), level):
        _back_to(schema, "planning", "0007_production_lead_days")
    _back_to(odd, "planning", "0006_item_follows_drafts")  # another state: the normal path
    assert "planning_distributionaction" not in {row[1] for row in _shape(level)}
    plan = migration_replay.plan_from_template(
        template=TEMPLATE(), state=frozenset(_recorded(TEMPLATE()))
    )
    assert plan is not None and ("planning", "0008_item_audience_distribution") in plan.applies
    out = io.StringIO()

    call_command("migrate_schemas", tenant=True, interactive=False, stdout=out)

    text = out.getvalue()
    assert "replay brands: 1/1 (100 %)" in text, text
    # The odd brand was not at the template's state: Django migrated it as before.
    # (Other brands in the database are up to date, however many earlier tests left.)
    assert "already up to date (skipped; --all-brands walks them too), 1 to migrate" in text
    # The template and the odd brand went through Django's migrate: the replayed brand matches.
    migrated = _shape(TEMPLATE())
    for schema in (level, odd):
        assert _recorded(schema) == full, schema
        assert _shape(schema) == migrated, schema
    # A brand no longer at the plan's starting state (here: already replayed) is left alone.
    assert migration_replay.replay(plan=plan, schema=level) is False
    assert _shape(level) == migrated


def test_a_plan_with_python_in_a_brand_app_is_not_replayed(world) -> None:
    # results 0003 moves rows with RunPython.
    _back_to(TEMPLATE(), "results", "0002_seed_departments")

    plan = migration_replay.plan_from_template(
        template=TEMPLATE(), state=frozenset(_recorded(TEMPLATE()))
    )

    assert plan is None
