"""Brand schemas: created by cloning an always-migrated template schema.

django-tenants can clone ``TENANT_BASE_SCHEMA`` and fake the migrations, which turns minutes of
migrations into one SQL function call. It does not keep that template migrated, and a stale
template would give new brands missing tables, so our ``migrate``/``migrate_schemas`` commands
call ``migrate_template_schema`` after migrating the brands, and provisioning migrates a template
that lags behind the code before cloning it.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Brand


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


def template_is_current() -> bool:
    """True when the template schema exists and has every tenant migration applied."""
    name = template_schema_name()
    if not schema_exists(name):
        return False
    with schema_context(name):
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        # Shared apps are never migrated into brand schemas; only tenant apps count.
        tenant_apps = {a.label for a in apps.get_app_configs() if a.name in settings.TENANT_APPS}
        return not [m for m, _ in plan if m.app_label in tenant_apps]


def create_brand_schema(brand: Brand) -> None:
    """Create the brand's schema as a clone of the template (migrating the template if stale)."""
    if not template_is_current():
        migrate_template_schema()
    brand.create_schema(check_if_exists=True, verbosity=0)
