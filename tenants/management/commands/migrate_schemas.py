"""django-tenants' migrate_schemas, with progress over the brands, every failure reported, brands
already up to date skipped after one query, and the brand template schema kept migrated.

- The public schema, or one named schema (``--schema``), migrate exactly as in django-tenants.
- Over every brand: the template schema migrates first, and the spare brand schemas kept made
  ahead (``tenants.spare_schemas``) are remade at its new state. Brands whose django_migrations
  recorded exactly what the template did get the SQL the template's migration ran, collected
  once and replayed in each in one transaction (``tenants.migration_replay``; not for
  ``RunPython`` or non-atomic migrations). Brands whose django_migrations then records every
  migration of the code are skipped (``--all-brands`` walks them anyway, with no replay); the
  others migrate one after another (``--executor=multiprocessing``: in a pool) with a progress
  bar on a terminal, plain lines elsewhere. A brand that fails is reported as it fails and again
  in the summary, the walk goes on with the next brand, and the command exits non-zero at the
  end.
- Each brand's own migrate output is shown from ``-v 2`` on (at ``-v 1`` it would bury the
  progress under three lines per brand).
"""

from __future__ import annotations

import functools
from contextlib import nullcontext
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.migration_executors.base import run_migrations
from django_tenants.migration_executors.multiproc import get_pool

from brandroom.progress import track
from tenants import migration_replay
from tenants.models import Brand
from tenants.provisioning import (
    migrate_template_schema,
    refill_spare_schemas,
    schemas_up_to_date,
    template_is_current,
    template_schema_name,
    template_state,
)

# Options that make migrate do something other than "apply what is missing": with any of them
# set, no brand is skipped as up to date.
_EXACT_OPTIONS = ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune")


def _migrate_one(args: tuple[Any, ...], options: dict[str, Any], codename: str, schema: str) -> str:
    """Migrate one brand's schema; an empty string when it went well, else what went wrong."""
    # Inside a caller's transaction (tests), a savepoint keeps one brand's failure from
    # aborting the transaction for the brands after it.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            run_migrations(args, options, codename, schema, allow_atomic=codename == "standard")
    except Exception as exc:  # reported per brand and in the summary, never swallowed
        detail = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {detail[:300]}"
    finally:
        connection.set_schema_to_public()
    return ""


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--all-brands",
            action="store_true",
            help="Run migrate in every brand, even those whose migration state already matches "
            "the code (by default they are found with one query and skipped).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("schema_name") or (options.get("shared") and not options.get("tenant")):
            # One schema, or the public schema only: exactly django-tenants' behaviour.
            super().handle(*args, **options)
            return
        SyncCommon.handle(self, *args, **options)
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        if self.sync_public:
            executor.run_migrations(tenants=["public"])
        if not self.sync_tenant:
            return
        verbosity = int(options.get("verbosity", 1))
        exact = any(options.get(name) for name in _EXACT_OPTIONS)
        # What the template recorded before it migrates: brands recording the same take its SQL.
        plan = None
        state = template_state()
        replayable = state is not None and not options.get("all_brands") and not exact
        if state is not None and replayable and not template_is_current():
            plan = migration_replay.plan_from_template(template=template_schema_name(), state=state)
        # The template first, so brands made from it from now on get every table; a template
        # already current is left alone (one query instead of a migrate run over it).
        if options.get("all_brands") or not template_is_current():
            if verbosity >= 1:
                self.stdout.write("Brand template schema: applying its migrations")
            migrate_template_schema(verbosity=max(0, verbosity - 1))
        if not exact:
            # Spares made at the old state are dropped; brands created next claim new ones.
            made = refill_spare_schemas()
            if verbosity >= 1 and made:
                self.stdout.write(f"Spare brand schemas made ahead: {made}")
        if plan is not None:
            self._replay_brands(plan, verbosity)
        self._migrate_brands(executor, options)

    def _replay_brands(self, plan: migration_replay.ReplayPlan, verbosity: int) -> None:
        schemas = list(
            Brand.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
        )
        todo = migration_replay.schemas_at(schemas, state=plan.from_state)
        out = self.stdout._out
        with track("replay brands", len(todo), stream=out, quiet=verbosity == 0) as progress:
            migration_replay.replay_all(
                plan=plan,
                schemas=todo,
                on_done=progress.advance,
                on_failed=progress.fail,
            )
        if verbosity >= 1 or progress.failures:
            self.stdout.write(progress.summary())
            if progress.failures:
                self.stdout.write("Brands the replay failed in migrate the usual way next.")

    def _migrate_brands(self, executor: Any, options: dict[str, Any]) -> None:
        verbosity = int(options.get("verbosity", 1))
        schemas = list(
            Brand.objects.exclude(schema_name="public")
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
        todo = schemas
        exact = any(options.get(name) for name in _EXACT_OPTIONS)
        if not options.get("all_brands") and not exact:
            current = schemas_up_to_date(schemas)
            todo = [s for s in schemas if s not in current]
            if verbosity >= 1:
                self.stdout.write(
                    f"Brands: {len(schemas)}; {len(current)} already up to date (skipped; "
                    f"--all-brands walks them too), {len(todo)} to migrate."
                )
        inner = {**self.options, "verbosity": max(0, verbosity - 1), "skip_checks": True}
        out = self.stdout._out  # the real stream: a live bar must not pass through OutputWrapper
        codename = executor.codename
        with track("migrate brands", len(todo), stream=out, quiet=verbosity == 0) as progress:
            if codename == "multiprocessing" and todo:
                connection.close()
                # A connection pool's threads do not survive fork: each child makes its own.
                connection.close_pool()
                one = functools.partial(_migrate_one, self.args, inner, codename)
                with get_pool() as pool:
                    for schema, error in zip(todo, pool.imap(one, todo), strict=True):
                        if error:
                            progress.fail(schema, error)
                        progress.advance(schema)
            else:
                for schema in todo:
                    progress.start(schema)
                    error = _migrate_one(self.args, inner, "standard", schema)
                    if error:
                        progress.fail(schema, error)
                    progress.advance(schema)
        if verbosity >= 1 or progress.failures:
            self.stdout.write(progress.summary())
        if progress.failures:
            names = ", ".join(name for name, _ in progress.failures)
            raise CommandError(
                f"{len(progress.failures)} of {len(todo)} brands failed to migrate: {names}"
            )
