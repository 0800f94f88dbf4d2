"""Approvals' public reads (what other apps and the views call); one module per concern."""

from approvals.selectors.audit import audit_entries, export_audit
from approvals.selectors.crisis import brand_in_crisis, crisis_state, incidents
from approvals.selectors.digests import digest_minutes_for
from approvals.selectors.figures import (
    approval_figures,
    approved_at,
    chain_lengths,
    decisions_made,
    signoff_shares,
    steps_opened,
)
from approvals.selectors.people import (
    display_name,
    member_ids_with_roles,
    people,
    staffed_roles,
)
from approvals.selectors.queue import (
    approval_requests,
    decisions_by,
    get_request,
    item_variants,
    pending_steps_for,
    requests_for_subject,
    review_history,
)
from approvals.selectors.rota import (
    coverage_windows,
    covers,
    escalation_targets,
    on_duty_ids,
    quiet_hours,
)
from approvals.selectors.staffing import unheld_chain_steps

__all__ = [
    "approval_figures",
    "approved_at",
    "chain_lengths",
    "covers",
    "decisions_made",
    "digest_minutes_for",
    "steps_opened",
    "signoff_shares",
    "approval_requests",
    "audit_entries",
    "brand_in_crisis",
    "coverage_windows",
    "crisis_state",
    "decisions_by",
    "display_name",
    "item_variants",
    "escalation_targets",
    "export_audit",
    "get_request",
    "incidents",
    "member_ids_with_roles",
    "on_duty_ids",
    "pending_steps_for",
    "people",
    "staffed_roles",
    "quiet_hours",
    "requests_for_subject",
    "review_history",
    "unheld_chain_steps",
]
