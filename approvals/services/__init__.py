"""Approvals' public services (what other apps and the views call); one module per concern."""

from approvals.services.crisis import evaluate_crisis, open_incident, update_incident
from approvals.services.deadlines import sweep_brand, sweep_due_brands, sync_brand_due
from approvals.services.policy import (
    apply_preset,
    get_policy,
    seed_brand_defaults,
    update_chain_rule,
    update_policy,
)
from approvals.services.requests import (
    ApprovalDecisionResult,
    decide_step,
    request_approval,
    withdraw_request,
)
from approvals.services.rota import (
    check_may_set_quiet_hours,
    clear_quiet_hours,
    create_coverage_window,
    delete_coverage_window,
    set_quiet_hours,
    update_coverage_window,
)

__all__ = [
    "ApprovalDecisionResult",
    "apply_preset",
    "check_may_set_quiet_hours",
    "clear_quiet_hours",
    "create_coverage_window",
    "decide_step",
    "delete_coverage_window",
    "evaluate_crisis",
    "get_policy",
    "open_incident",
    "request_approval",
    "seed_brand_defaults",
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
