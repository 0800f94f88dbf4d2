"""Approvals' public services (what other apps and the views call); one module per concern.

The layers, lowest first (a module imports only from layers below it):

- ``clock`` (pure): due times and reminders owed; ``rules`` (pure): band, chain and ``plan``
- ``audit``, ``notify``, ``due_index``: the audit trail, telling people, the sweep's index
- ``policy``: the stored policy and chains; ``rota``: duty windows and quiet hours
- ``chain``: the request's state machine (open, close, skip, advance, finish)
- ``intake``: a subject meets the policy; ``eligibility``: who may decide now
- ``decisions``: decide a step, withdraw a request; ``due``: reminders and timeout rules
- ``crisis``: incidents and crisis mode; ``thresholds``: policy edits that may start a crisis
- ``sweep``: the deadline sweep over every brand with due work; ``digests``: each person's
  digest of non-urgent notices
"""

from approvals.services.crisis import (
    evaluate_crisis,
    open_incident,
    open_incident_from_inbox_item,
    update_incident,
)
from approvals.services.decisions import decide_step, withdraw_request
from approvals.services.digests import (
    send_digests_everywhere,
    send_due_digests,
    set_digest_minutes,
)
from approvals.services.due_index import sync_brand_due
from approvals.services.eligibility import check_may_decide, may_decide
from approvals.services.intake import ApprovalDecisionResult, request_approval
from approvals.services.policy import (
    apply_preset,
    get_policy,
    seed_brand_defaults,
    update_chain_rule,
)
from approvals.services.rota import (
    check_may_set_quiet_hours,
    clear_quiet_hours,
    create_coverage_window,
    delete_coverage_window,
    set_quiet_hours,
    update_coverage_window,
)
from approvals.services.sweep import sweep_brand, sweep_due_brands
from approvals.services.thresholds import update_policy

__all__ = [
    "ApprovalDecisionResult",
    "apply_preset",
    "check_may_decide",
    "check_may_set_quiet_hours",
    "clear_quiet_hours",
    "create_coverage_window",
    "decide_step",
    "delete_coverage_window",
    "evaluate_crisis",
    "get_policy",
    "may_decide",
    "open_incident",
    "open_incident_from_inbox_item",
    "request_approval",
    "seed_brand_defaults",
    "send_digests_everywhere",
    "send_due_digests",
    "set_digest_minutes",
    "set_quiet_hours",
    "sweep_brand",
    "sweep_due_brands",
    "sync_brand_due",
    "update_chain_rule",
    "update_coverage_window",
    "update_incident",
    "update_policy",
    "withdraw_request",
]
