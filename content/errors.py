"""Domain errors of the content app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class ContentError(RuleViolation):
    """Base for rule violations of the content app."""


class BudgetExceeded(ContentError):
    """The brand's monthly AI budget is spent; new generation jobs are refused."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status_code=402, code="ai_budget_exceeded")


class DraftTransitionRefused(ContentError):
    """The draft is not in a status the transition may start from (it moved on meanwhile, or
    the move is not in the table); the message names where the draft is."""

    status_code = 409
    code = "conflict"


class DraftNotFound(ContentError):
    status_code = 404
    code = "not_found"


class InboxTransitionRefused(ContentError):
    """The inbox item is not in a status the move may start from; the message says where it is."""

    status_code = 409
    code = "conflict"
