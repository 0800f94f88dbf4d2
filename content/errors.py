"""Domain errors of the content app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations


class ContentError(Exception):
    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        status_code: int = 400,
        code: str = "invalid",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status_code = status_code
        self.code = code


class BudgetExceeded(ContentError):
    """The brand's monthly AI budget is spent; new generation jobs are refused."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status_code=402, code="ai_budget_exceeded")
