"""New migrations applied to many brands by replaying their SQL, collected once.

Running Django's migration executor in every brand (load the graph, render the project state,
introspect, record) cost about 0.36 s a brand for a single AddField (bench/RESULTS.md: 180 s at
1,000 brands). A brand whose recorded migrations are exactly the template's, before the template
is migrated, needs exactly the statements the template needs: Django's schema editor writes
unqualified names that the brand's ``search_path`` resolves, and derives constraint and index
names from table and column names, which are the same in every brand. So the SQL is collected
once against the template (``MigrationExecutor.collect_sql``, what ``sqlmigrate`` prints), and
each such brand runs it with its django_migrations rows in one transaction of its own.

Not replayed (those brands take Django's normal path, brand by brand): a plan with an operation
of a brand app that cannot be written as SQL (``RunPython``) or a non-atomic migration of a brand
app, and any brand whose recorded state differs from the template's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

Migrations = frozenset[tuple[str, str]]
_NAME = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class ReplayPlan:
    """The statements that take a brand from ``from_state`` to the code's migrations."""

    from_state: Migrations
    applies: tuple[tuple[str, str], ...]
    sql: str


def _brand_app_labels() -> set[str]:
    return {a.label for a in apps.get_app_configs() if a.name in settings.TENANT_APPS}


def plan_from_template(*, template: str, state: Migrations) -> ReplayPlan | None:
    """The replay of what ``template`` (recording ``state``) still has to apply, collected
    against it before it is migrated; None when nothing is to apply or it cannot be replayed."""
    connection.set_schema(template)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan or any(backwards for _migration, backwards in plan):
            return None
        brand_apps = _brand_app_labels()
        for migration, _backwards in plan:
            if migration.app_label not in brand_apps:
                continue  # a shared app's migration does nothing in a brand schema
            if not migration.atomic or not all(op.reduces_to_sql for op in migration.operations):
                return None
        statements = executor.loader.collect_sql(plan)
    finally:
        connection.set_schema_to_public()
    applies = tuple((m.app_label, m.name) for m, _backwards in plan)
    if not all(_NAME.fullmatch(part) for key in applies for part in key):
        return None  # written into the replay's SQL as literals: plain names only
    return ReplayPlan(
        from_state=state,
        applies=applies,
        sql="\n".join(statements),
    )


def schemas_at(schemas: list[str], *, state: Migrations, batch: int = 500) -> list[str]:
    """Those of ``schemas`` whose django_migrations records exactly ``state``, in one query per
    ``batch`` schemas."""
    wanted = sorted(f"{app}.{name}" for app, name in state)
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        with_table = sorted(row[0] for row in cursor.fetchall())
        for start in range(0, len(with_table), batch):
            parts = [
                # Schema names are validated identifiers (django-tenants' is_valid_schema_name).
                f"SELECT '{name}'::text FROM {connection.ops.quote_name(name)}.django_migrations m"
                f" HAVING count(*) = {len(wanted)}"
                " AND bool_and(m.app || '.' || m.name = ANY(%(wanted)s))"
                for name in with_table[start : start + batch]
            ]
            cursor.execute(" UNION ALL ".join(parts), {"wanted": wanted})
            found.extend(row[0] for row in cursor.fetchall())
    return sorted(found)


def replay(*, plan: ReplayPlan, schema: str) -> bool:
    """Apply ``plan`` to ``schema`` in one transaction; False (nothing changed) when the schema
    no longer records the plan's starting state, as when another run got there first."""
    name = connection.ops.quote_name(schema)
    rows = ", ".join(f"('{app}', '{migration}', now())" for app, migration in plan.applies)
    with transaction.atomic(), connection.cursor() as cursor:
        # Taken before the check, so two runs at once apply the plan once.
        cursor.execute(f"LOCK TABLE {name}.django_migrations IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT app, name FROM {name}.django_migrations")
        if frozenset(cursor.fetchall()) != plan.from_state:
            return False
        cursor.execute(
            f"SET LOCAL search_path = {name}, public;\n{plan.sql}\n"
            f"INSERT INTO {name}.django_migrations (app, name, applied) VALUES {rows};"
        )
    return True


def replay_all(
    *,
    plan: ReplayPlan,
    schemas: Iterable[str],
    on_done: Callable[[str], None],
    on_failed: Callable[[str, str], None],
) -> list[str]:
    """Replay ``plan`` in each of ``schemas`` in turn; the schemas it was applied to. A brand
    that fails is reported through ``on_failed`` and left as it was, for the normal path."""
    done = []
    for schema in schemas:
        try:
            applied = replay(plan=plan, schema=schema)
        except Exception as exc:  # reported, and the brand gets Django's path after this
            on_failed(schema, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            continue
        if applied:
            done.append(schema)
        on_done(schema)
    return done
