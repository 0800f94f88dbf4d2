"""Domain errors of the integrations app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class IntegrationsError(RuleViolation):
    """Base for rule violations of the integrations app."""


class UnknownEventType(IntegrationsError):
    code = "unknown_event_type"


class ForbiddenDestination(IntegrationsError):
    """A webhook URL that points at a private, loopback, link-local or otherwise non-public
    address, or that cannot be resolved."""

    code = "forbidden_destination"


class EndpointDisabled(IntegrationsError):
    status_code = 409
    code = "endpoint_disabled"


class NotInBrand(IntegrationsError):
    """Events belong to a brand; emitting one outside a brand's schema is a programming error."""

    status_code = 500
    code = "not_in_brand"
