"""Domain errors of the integrations app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations


class IntegrationsError(Exception):
    """Base for rule violations; ``field`` names the input at fault when there is one."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
