"""How media reacts to the approvals app: a boost's sign-off outcome and the brand's crisis.

Both arrive as outbox events approvals wrote with its change (see approvals.announcements),
run by the worker after the commit. Every move here is conditional on the boost's status, and
crisis holds follow the brand's crisis state as it is when the reaction runs, so a repeated or
late reaction changes nothing; the reconciler puts right any boost still out of step.
"""

from __future__ import annotations

import logging

from approvals import announcements
from outbox import handlers
from outbox.models import OutboxEvent

logger = logging.getLogger(__name__)


def on_request_finished(event: OutboxEvent) -> None:
    """Move a pending boost by its request's outcome (approved, rejected, changes requested,
    expired); other kinds of subject are not media's."""
    payload = event.payload
    if payload["subject_kind"] != "boost":
        return
    from media.services.boosts import apply_approval_outcome

    request_id = payload.get("request_id")
    note = _last_word(request_id) if request_id is not None else ""
    apply_approval_outcome(
        boost_id=payload["subject_id"],
        outcome=payload["outcome"],
        request_id=request_id,
        note=note,
    )


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
    who = f"by {display_name(user_id=last.decider_id)} ({last.role})"
    return f"{last.comment} ({who})" if last.comment else f"By {who[3:]}."


def hold_or_release_for_crisis() -> int:
    """Hold new and active boosts while the brand is in crisis; release what the crisis held
    once it stood down. Returns how many boosts moved (none when they already match)."""
    from approvals.selectors import brand_in_crisis
    from media.services.holds import hold_boosts_for_crisis, release_crisis_hold

    if brand_in_crisis():
        held = hold_boosts_for_crisis()
        if held:
            logger.info("Crisis: held %s boosts", held)
        return held
    released = release_crisis_hold()
    if released:
        logger.info("Crisis over: released %s boosts", released)
    return released


def on_crisis_changed(event: OutboxEvent) -> None:
    hold_or_release_for_crisis()


def reconcile_attention() -> int:
    """Rebuild the brand's paused and off-pace boost rows in the cockpit's rollup (an alert
    older than the off-pace window drops out here)."""
    from media.services.attention import sync_boost_attention

    return sync_boost_attention()


def connect() -> None:
    """React to the approvals announcements; called from MediaConfig.ready."""
    handlers.register(
        announcements.REQUEST_FINISHED, on_request_finished, key="media.apply_boost_outcome"
    )
    handlers.register(
        announcements.CRISIS_CHANGED, on_crisis_changed, key="media.hold_boosts_for_crisis"
    )
    handlers.register_reconciler(hold_or_release_for_crisis, key="media.crisis_holds")
    handlers.register_reconciler(reconcile_attention, key="media.attention")
