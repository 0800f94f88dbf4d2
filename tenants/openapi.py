"""Describes our API key and staff token authentication in the OpenAPI schema (loaded by
TenantsConfig.ready)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A brand's API key: `Authorization: Api-Key <prefix>.<secret>`. "
                "Only valid on that brand's routes, within the key's scopes."
            ),
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.StaffTokenAuthentication"
    name = "tokenAuth"  # the name DRF's plaintext tokens had, so clients see no change

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A person's staff token from POST /api/v1/auth/token/: "
                "`Authorization: Token <token>`. Expires; revoked by a password change."
            ),
        }
