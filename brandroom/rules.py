"""The one base class of every app's domain errors (a business rule said no).

Each app subclasses it once (``TenantsError``, ``ContentError``, ``ApprovalsError``,
``MediaError``, ``IntegrationsError``) and names its specific errors there; the API's exception
handler (brandroom/errors.py) turns any of them into the standard error body, once.
"""

from __future__ import annotations


class RuleViolation(Exception):
    """``message`` for people, ``field`` naming the input at fault (or None), and the HTTP
    ``status_code`` and machine ``code`` (class defaults, overridable per instance)."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
