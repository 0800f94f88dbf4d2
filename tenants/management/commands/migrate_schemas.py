"""django-tenants' migrate_schemas, which also keeps the brand template schema migrated."""

from __future__ import annotations

from typing import Any

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.provisioning import migrate_template_schema


class Command(MigrateSchemasCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        # After a run over every brand (not one named schema), bring the template along so
        # brands cloned from it later get every table.
        if self.sync_tenant and not options.get("schema_name"):
            migrate_template_schema(verbosity=int(options.get("verbosity", 1)))
