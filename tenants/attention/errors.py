"""Domain errors of the attention cockpit."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class AttentionError(RuleViolation):
    """The cockpit refused a request (a filter it does not know, a brand that is not yours)."""
