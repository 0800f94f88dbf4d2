"""How media hears from the approvals app: a boost's sign-off outcome and the brand's crisis.

Approvals sends both signals after its transaction commits, in the brand's schema, with
``send_robust``; every move here is conditional on the boost's status, so a repeated or late
signal changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from approvals.signals import approval_decided, crisis_changed

logger = logging.getLogger(__name__)


def on_approval_decided(
    sender: Any,
    *,
    subject_kind: str,
    subject_id: int,
    outcome: str,
    request_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Move a pending boost by its request's outcome (approved, rejected, changes requested,
    expired); other kinds of subject are not media's."""
    if subject_kind != "boost":
        return
    from media.services.boosts import apply_approval_outcome

    note = _last_word(request_id) if request_id is not None else ""
    apply_approval_outcome(boost_id=subject_id, outcome=outcome, request_id=request_id, note=note)


def _last_word(request_id: int) -> str:
    """The deciding comment of a request, as the boost's people should read it."""
    from approvals.selectors import approval_requests, display_name

    request = approval_requests().filter(pk=request_id).first()
    if request is None:
        return ""
    decisions = [d for step in request.steps.all() for d in step.decisions.all()]
    if not decisions:
        return ""
    last = max(decisions, key=lambda d: (d.created_at, d.pk))
    who = f"by {display_name(last.decider_id)} ({last.role})"
    return f"{last.comment} ({who})" if last.comment else f"By {who[3:]}."


def on_crisis_changed(sender: Any, *, active: bool, **kwargs: Any) -> None:
    """Hold new and active boosts when the brand enters crisis; release them on stand-down."""
    from media.services.holds import hold_boosts_for_crisis, release_crisis_hold

    if active:
        logger.info("Crisis: held %s boosts", hold_boosts_for_crisis())
    else:
        logger.info("Crisis over: released %s boosts", release_crisis_hold())


def connect() -> None:
    """Listen to the approvals signals; called from MediaConfig.ready."""
    approval_decided.connect(on_approval_decided, dispatch_uid="media.on_approval_decided")
    crisis_changed.connect(on_crisis_changed, dispatch_uid="media.on_crisis_changed")
