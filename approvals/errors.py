"""Domain errors of the approvals app; brandroom.errors maps them to HTTP once.

Services raise these by name; no view builds its own status code for a rule that said no.
"""

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
    """The person wrote (a version of) the subject: nobody approves their own work."""

    status_code = 403
    code = "own_draft"


class PersonRequired(ApprovalsError):
    """Decisions and edits are made by people; an integrator's API key is not one."""

    status_code = 403
    code = "permission_denied"


class ReasonRequired(ApprovalsError):
    """Rejecting or asking for changes needs a comment saying why."""

    code = "reason_required"


class VariantRequired(ApprovalsError):
    """Approving an item that offers several variants names the one approved."""

    code = "variant_required"


class NotAVariant(ApprovalsError):
    """The named draft is not one of the item's variants."""

    code = "not_a_variant"


class VariantDropped(ApprovalsError):
    """The named variant is no longer in the item: another one was approved in its place."""

    status_code = 409
    code = "variant_dropped"


class VariantSuperseded(ApprovalsError):
    """The named variant was revised while in review: its newer version is up for review."""

    status_code = 409
    code = "variant_superseded"


class InvalidDecision(ApprovalsError):
    """The decision is not one of approve, reject or request_changes."""


class UnknownSubjectKind(ApprovalsError):
    """Only posts, replies and boosts go through approvals."""


class BoostNeedsAmount(ApprovalsError):
    """A boost's band depends on its spend: the amount and currency must come with it."""


class InvalidPolicy(ApprovalsError):
    """A policy threshold, chain or severity is out of range or unknown."""

    code = "invalid_policy"


class NotAMember(ApprovalsError):
    """The person named (an incident owner, a rota window, quiet hours) is not on the brand."""


class NotDecidingRole(ApprovalsError):
    """Only people whose role may do a duty (decide approvals, answer the inbox) can be on
    that duty's rota."""


class UnknownInboxItem(ApprovalsError):
    """An incident raised from an inbox item the brand does not have."""


class InvalidWindow(ApprovalsError):
    """A rota window or quiet hours with equal start and end, or unknown weekdays."""


class QuietHoursChanged(ApprovalsError):
    """Someone else set the same person's quiet hours at the same moment; try again."""


class IncidentClosed(ApprovalsError):
    """A closed incident takes no more timeline entries; open a new one."""

    status_code = 409
    code = "incident_closed"


class StepNotFound(ApprovalsError):
    status_code = 404
    code = "not_found"
