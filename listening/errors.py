"""Domain errors of the listening app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class ListeningError(RuleViolation):
    """A listening rule said no; ``field`` names the input at fault."""


class NotFound(ListeningError):
    status_code = 404
    code = "not_found"


class TriggerLoop(ListeningError):
    """A trigger whose own action would feed its condition (it would fire itself forever)."""

    code = "trigger_loop"
