"""The one seam between paid media and the approvals app.

Media needs three things from approvals: a sign-off chain for a boost's spend
(``approvals.services.request_approval``), the outcome of that chain (the
``approvals.signals.approval_decided`` signal) and whether the brand is in crisis
(``approvals.selectors.brand_in_crisis`` and the ``crisis_changed`` signal). When the approvals
app provides them, they are used. Until then media runs its own spend rule: the tiers in
``MediaSettings.spend_thresholds`` name who signs off, and those people decide through
``POST boosts/<id>/decision/`` (``decide_boost`` below). Nothing else in media knows which
path is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.dispatch import Signal

from media import selectors
from media.errors import BoostNotFound, MediaError, NotAllowedToDecide, TransitionRefused
from media.models import Boost
from media.money import round_money

logger = logging.getLogger(__name__)

_request_approval: Callable[..., Any] | None
try:
    from approvals.services import request_approval as _request_approval
except ImportError:
    _request_approval = None

_approvals_brand_in_crisis: Callable[[], bool] | None
try:
    from approvals.selectors import brand_in_crisis as _approvals_brand_in_crisis
except ImportError:
    _approvals_brand_in_crisis = None

# The approvals app's signals when it has them; otherwise media's own, with the same kwargs,
# so the receivers below (and tests) work the same either way.
approval_decided: Signal
crisis_changed: Signal
try:
    from approvals.signals import approval_decided
except ImportError:
    approval_decided = Signal()
try:
    from approvals.signals import crisis_changed
except ImportError:
    crisis_changed = Signal()

# True when sign-off for boosts is the approvals app's job (its contract is installed).
USES_APPROVALS = _request_approval is not None
DECISION_OUTCOMES = ("approved", "rejected", "changes_requested")


def brand_in_crisis() -> bool:
    """True while the brand (the connection's schema) is in crisis mode."""
    if _approvals_brand_in_crisis is not None:
        return bool(_approvals_brand_in_crisis())
    return selectors.media_settings().crisis_active


def approvers_by_threshold(
    *, amount: Decimal, currency: str, thresholds: dict[str, list[dict[str, Any]]]
) -> tuple[list[str], str]:
    """Media's own spend rule: the roles that must sign off ``amount`` (none: auto-approved)
    and why. A currency without tiers goes to the agency lead."""
    shown = f"{round_money(amount, currency)} {currency}"
    tiers = thresholds.get(currency)
    if not tiers:
        return (
            list(selectors.FALLBACK_APPROVERS),
            f"No {currency} spend thresholds are set, so {shown} needs the agency lead.",
        )
    lower = None
    for tier in tiers:
        up_to = tier.get("up_to")
        if up_to is None or amount <= Decimal(str(up_to)):
            approvers = list(tier.get("approvers", []))
            if not approvers:
                return [], f"{shown} is within the {up_to} {currency} that needs no sign-off."
            span = f"up to {up_to} {currency}" if up_to is not None else f"above {lower}"
            return approvers, f"{shown} ({span}) needs sign-off by {' or '.join(approvers)}."
        lower = f"{up_to} {currency}"
    return list(selectors.FALLBACK_APPROVERS), f"{shown} is above every {currency} tier."


def _draft_risk(boost: Boost) -> int:
    if boost.draft_id is None:
        return 0
    from content import selectors as content_selectors

    return content_selectors.get_draft(draft_id=boost.draft_id).risk_score or 0


def submit_for_approval(boost: Boost) -> tuple[bool, int | None, str]:
    """Ask for sign-off of a boost's spend: (needs_approval, approval request id, reason)."""
    if _request_approval is not None:
        result = _request_approval(
            subject_kind="boost",
            subject_id=boost.pk,
            risk_score=_draft_risk(boost),
            requested_by_id=boost.proposed_by_id,
            amount=boost.budget_total,
            currency=boost.currency,
            summary=(
                f"Boost on {boost.network} for {boost.objective}: "
                f"{round_money(boost.budget_total, boost.currency)} {boost.currency}, "
                f"{boost.starts_at:%Y-%m-%d} to {boost.ends_at:%Y-%m-%d}"
            ),
        )
        return bool(result.needs_approval), result.request_id, str(result.reason or "")
    approvers, reason = approvers_by_threshold(
        amount=boost.budget_total,
        currency=boost.currency,
        thresholds=selectors.media_settings().spend_thresholds,
    )
    return bool(approvers), None, reason


def decide_boost(*, boost_id: int, outcome: str, decided_by: Any, role: str, note: str) -> Boost:
    """Media's own sign-off (only while the approvals app has no boost chains): a person whose
    role the boost's spend tier names approves, rejects or asks for changes."""
    from media.services.boosts import apply_approval_outcome

    if USES_APPROVALS:
        raise TransitionRefused(
            "Boosts are signed off in the approvals app; decide there.", field="outcome"
        )
    if outcome not in DECISION_OUTCOMES:
        raise MediaError(
            f"Decide one of {', '.join(DECISION_OUTCOMES)}, not '{outcome}'.", field="outcome"
        )
    if outcome != "approved" and not note.strip():
        raise MediaError("Say why (a note) when rejecting or asking for changes.", field="note")
    try:
        boost = selectors.get_boost(boost_id=boost_id)
    except Boost.DoesNotExist:
        raise BoostNotFound(f"There is no boost {boost_id}.") from None
    if boost.status != Boost.Status.PENDING_APPROVAL:
        raise TransitionRefused(
            f"Boost {boost_id} is {boost.status}; it is not waiting for sign-off.", field="status"
        )
    # Tiers are read again at decision time; changing them re-routes pending boosts too.
    approvers, reason = approvers_by_threshold(
        amount=boost.budget_total,
        currency=boost.currency,
        thresholds=selectors.media_settings().spend_thresholds,
    )
    if role not in approvers:
        raise NotAllowedToDecide(f"{reason} Your role is {role}.")
    if boost.proposed_by_id is not None and boost.proposed_by_id == decided_by.pk:
        raise NotAllowedToDecide("Nobody signs off a boost they proposed.")
    by = f"{decided_by.get_username()} ({role})"
    result = apply_approval_outcome(
        boost_id=boost_id,
        outcome=outcome,
        note=f"{note.strip()} (by {by})" if note.strip() else f"by {by}",
        strict=True,
    )
    assert result is not None  # strict raises instead of returning None
    return result


def on_approval_decided(
    sender: Any,
    *,
    subject_kind: str,
    subject_id: int,
    outcome: str,
    request_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Move a boost when its approval request is decided (approved, rejected, changes
    requested or expired). Runs in the brand's schema, after approvals committed."""
    if subject_kind != "boost":
        return
    from media.services.boosts import apply_approval_outcome

    apply_approval_outcome(boost_id=subject_id, outcome=outcome, request_id=request_id)


def on_crisis_changed(sender: Any, *, active: bool, **kwargs: Any) -> None:
    """Hold new and active boosts when the brand enters crisis; release them on stand-down."""
    from media.services.holds import hold_boosts_for_crisis, release_crisis_hold

    if active:
        held = hold_boosts_for_crisis()
        logger.info("Crisis: held %s boosts", held)
    else:
        released = release_crisis_hold()
        logger.info("Crisis over: released %s boosts", released)


def connect_receivers() -> None:
    """Listen to the approvals signals (or media's stand-ins); called from MediaConfig.ready."""
    approval_decided.connect(on_approval_decided, dispatch_uid="media.on_approval_decided")
    crisis_changed.connect(on_crisis_changed, dispatch_uid="media.on_crisis_changed")
