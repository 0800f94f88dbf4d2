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


class RoleNotYours(TenantsError):
    """Granting a role above one's own, or changing someone who outranks one."""

    status_code = 403
    code = "permission_denied"


class AlreadyMember(TenantsError):
    status_code = 409
    code = "already_member"


class LastAdminRemoval(TenantsError):
    status_code = 409
    code = "last_admin"
