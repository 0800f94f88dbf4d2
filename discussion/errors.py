"""Domain errors of the discussion app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class DiscussionError(RuleViolation):
    """Base for rule violations of the discussion app."""


class NoSuchSubject(DiscussionError):
    code = "no_such_subject"


class NotYourNote(DiscussionError):
    status_code = 403
    code = "permission_denied"
