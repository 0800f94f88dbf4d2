"""Domain errors of the paid-media app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class MediaError(RuleViolation):
    """A paid-media rule said no."""


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
