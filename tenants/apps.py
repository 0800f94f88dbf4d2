from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Agencies and brands"

    def ready(self) -> None:
        from tenants import openapi  # noqa: F401  (registers the API key auth scheme)
