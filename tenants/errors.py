"""Domain errors of the tenants app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations


class TenantsError(Exception):
    """Base for rule violations; ``field`` names the input at fault when there is one."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SlugTaken(TenantsError):
    status_code = 409
    code = "slug_taken"


class ConfirmationRequired(TenantsError):
    code = "confirmation_required"


class NotAgencyAdmin(TenantsError):
    status_code = 403
    code = "permission_denied"


class InvalidRole(TenantsError):
    code = "invalid_role"


class LastAdminRemoval(TenantsError):
    status_code = 409
    code = "last_admin"
