"""Prototype of a fix the migrate figures point at; loaded only by a bench migrate variant.

Django's ``MigrationRecorder.has_table()`` lists every table visible to the connection to learn
whether ``django_migrations`` exists. That listing scans all of ``pg_class``, which holds every
brand's tables, and ``migrate_schemas`` does it several times per brand, so a no-op migrate grows
with brands x brands. Asking for the one table in the connection's schema is an index lookup.
Same answer: django-tenants' introspection lists only the connection's own schema.

Not product code: the bench measures it side by side ("+fast-has-table") so the team can decide.
"""

from __future__ import annotations

from django.db.migrations.recorder import MigrationRecorder


def _has_table(self: MigrationRecorder) -> bool:
    if self._has_table:
        return True
    schema = getattr(self.connection, "schema_name", None) or "public"
    with self.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
            [schema, self.Migration._meta.db_table],
        )
        self._has_table = cursor.fetchone() is not None
    return self._has_table


def install() -> None:
    MigrationRecorder.has_table = _has_table  # type: ignore[method-assign]
