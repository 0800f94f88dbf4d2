"""Domain errors of the results app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class ResultsError(RuleViolation):
    """A results or KPI rule said no; ``field`` names the input at fault."""


class NotFound(ResultsError):
    status_code = 404
    code = "not_found"
