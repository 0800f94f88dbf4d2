"""Domain errors of the tenants app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class TenantsError(RuleViolation):
    """Base for rule violations of the tenants app."""


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
