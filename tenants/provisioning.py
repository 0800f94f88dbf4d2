"""Brand schemas: created as copies of an always-migrated template schema.

A new brand's schema replays the template's DDL (read from the catalog once per migration state,
see ``tenants.schema_replay``) and copies its rows, django_migrations included, which turns
minutes of migrations into one statement batch whose cost does not grow with the number of
brands (django-tenants' ``clone_schema()`` did). A stale template would give new brands missing
tables, so our ``migrate``/``migrate_schemas`` commands call ``migrate_template_schema`` after
migrating the brands, and provisioning migrates a template that lags behind the code first.
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import ProgrammingError, connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from tenants import schema_replay, spare_schemas
from tenants.models import Brand


class SchemaAlreadyExists(RuntimeError):
    """The schema a new brand would get is already there; it is never reused."""


class TemplateSchemaStale(RuntimeError):
    """The brand template schema is missing migrations; run migrate_schemas."""


def template_schema_name() -> str:
    return str(settings.TENANT_BASE_SCHEMA)


def migrate_template_schema(*, verbosity: int = 0) -> None:
    """Create the template schema if needed and apply every tenant migration to it."""
    name = template_schema_name()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=name,
        interactive=False,
        verbosity=verbosity,
    )
    connection.set_schema_to_public()


@functools.cache
def _tenant_migrations() -> frozenset[tuple[str, str]]:
    """Every migration of the brand (tenant) apps in this code base; fixed for a process."""
    labels = {a.label for a in apps.get_app_configs() if a.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(key for key in loader.disk_migrations if key[0] in labels)


def template_state() -> frozenset[tuple[str, str]] | None:
    """The template's recorded migrations, or None when it has no django_migrations table."""
    name = template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{name}".django_migrations'])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f'SELECT app, name FROM "{name}".django_migrations')
        return frozenset(cursor.fetchall())


def template_is_current() -> bool:
    """True when the template schema exists and has every tenant migration applied."""
    return _is_current(template_state())


def _is_current(state: frozenset[tuple[str, str]] | None) -> bool:
    return state is not None and _tenant_migrations() <= state


@functools.cache
def _all_migrations() -> tuple[str, ...]:
    """Every migration on disk, as ``app.name``: what a fully migrated brand schema records."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(sorted(f"{app}.{name}" for app, name in loader.disk_migrations))


def schemas_up_to_date(schemas: list[str], *, batch: int = 500) -> set[str]:
    """Those of ``schemas`` whose django_migrations already records every migration of the code.

    One query per ``batch`` schemas (not a migrate run per brand), so a deploy with nothing new
    to apply does not walk every brand. A schema without a django_migrations table, or missing
    any migration, is not in the answer and gets the full migrate.
    """
    wanted = list(_all_migrations())
    if not schemas or not wanted:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND c.relkind = 'r'"
            " AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        with_table = sorted(row[0] for row in cursor.fetchall())
        current: set[str] = set()
        for start in range(0, len(with_table), batch):
            parts = [
                # Schema names are validated identifiers (django-tenants' is_valid_schema_name).
                f"SELECT '{name}'::text FROM {connection.ops.quote_name(name)}.django_migrations m"
                " WHERE m.app || '.' || m.name = ANY(%(wanted)s)"
                f" HAVING count(DISTINCT m.app || '.' || m.name) = {len(wanted)}"
                for name in with_table[start : start + batch]
            ]
            cursor.execute(" UNION ALL ".join(parts), {"wanted": wanted})
            current.update(row[0] for row in cursor.fetchall())
    return current


def ensure_template_current() -> frozenset[tuple[str, str]]:
    """The template's migration state, migrating the template first if it lags behind the code
    (outside any transaction of the caller's, as a deploy's migrate would)."""
    connection.set_schema_to_public()
    state = template_state()
    if not _is_current(state):
        migrate_template_schema()
        state = template_state()
    assert state is not None  # just migrated
    return state


def create_brand_schema(brand: Brand, *, state: frozenset[tuple[str, str]] | None = None) -> None:
    """Create the brand's schema as a copy of the template (migrating the template if stale):
    a spare made ahead at the template's state renamed, else the template's DDL replayed.

    The copy has the template's tables with their rows, django_migrations included, so the
    new schema is already marked fully migrated; django-tenants' create_schema would run a
    faked migrate_schemas on top (about 0.3 s per brand in bench/), which we skip. ``state``:
    the template's, when the caller has just made sure it is current.
    """
    state = state or ensure_template_current()
    if schema_exists(brand.schema_name):
        # Never hand a new brand someone else's tables (the template's, or a deleted brand's).
        raise SchemaAlreadyExists(f"Schema '{brand.schema_name}' already exists.")
    if spare_schemas.claim(schema=brand.schema_name, state=state):
        connection.set_schema_to_public()
        return
    try:
        schema_replay.replay(schema=brand.schema_name, template=template_schema_name(), state=state)
    except ProgrammingError as exc:
        # Lost a race with another process creating the same schema: not ours to drop.
        if getattr(exc.__cause__, "sqlstate", None) == "42P06":  # duplicate_schema
            raise SchemaAlreadyExists(f"Schema '{brand.schema_name}' already exists.") from exc
        raise
    finally:
        connection.set_schema_to_public()


def refill_spare_schemas() -> int:
    """Keep ``BRAND_SPARE_SCHEMAS`` spare brand schemas at the template's migration state and
    drop spares made at another; returns how many were made. Nothing is made while the template
    lags behind the code (migrate_schemas, or the next brand creation, migrates it first)."""
    connection.set_schema_to_public()
    state = template_state()
    if state is None or not _is_current(state):
        return 0
    return spare_schemas.refill(state=state)
