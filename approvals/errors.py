"""Domain errors of the approvals app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class ApprovalsError(RuleViolation):
    """Base for approval rule violations."""


class ApprovalAlreadyDecided(ApprovalsError):
    """Someone else decided the step first (or it moved on); the message names who."""

    status_code = 409
    code = "already_decided"


class StepNotOpen(ApprovalsError):
    """The step is still waiting for an earlier step of its chain; nobody may decide it yet."""

    status_code = 409
    code = "step_not_open"


class NotAllowedToDecide(ApprovalsError):
    """The person's role does not allow this decision or change."""

    status_code = 403
    code = "permission_denied"


class OwnDraft(ApprovalsError):
    status_code = 403
    code = "own_draft"


class ReasonRequired(ApprovalsError):
    code = "reason_required"


class InvalidPolicy(ApprovalsError):
    code = "invalid_policy"


class IncidentClosed(ApprovalsError):
    status_code = 409
    code = "incident_closed"


class StepNotFound(ApprovalsError):
    status_code = 404
    code = "not_found"
