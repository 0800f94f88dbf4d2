"""Domain errors of the planning app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class PlanningError(RuleViolation):
    """A planning rule said no; ``field`` names the input at fault."""


class NotFound(PlanningError):
    status_code = 404
    code = "not_found"


class Conflict(PlanningError):
    status_code = 409
    code = "conflict"


class TransitionRefused(PlanningError):
    status_code = 409
    code = "invalid_transition"


class MonthClosed(PlanningError):
    status_code = 409
    code = "month_closed"
