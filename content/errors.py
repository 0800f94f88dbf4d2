"""Domain errors of the content app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class ContentError(RuleViolation):
    """Base for rule violations of the content app."""


class BudgetExceeded(ContentError):
    """The brand's monthly AI budget is spent; new generation jobs are refused."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status_code=402, code="ai_budget_exceeded")
