from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Agencies and brands"

    def ready(self) -> None:
        from tenants import migration_recorder, openapi

        assert openapi  # imported to register the API key auth scheme

        # migrate_schemas over many brands: find django_migrations without listing every table.
        migration_recorder.install()
