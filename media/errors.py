"""Domain errors of the paid-media app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations


class MediaError(Exception):
    """A paid-media rule said no; ``field`` names the input at fault when there is one."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BudgetExceeded(MediaError):
    code = "budget_exceeded"


class TransitionRefused(MediaError):
    status_code = 409
    code = "invalid_transition"


class BrandInCrisis(MediaError):
    status_code = 409
    code = "brand_in_crisis"


class BoostNotFound(MediaError):
    status_code = 404
    code = "not_found"
