"""Proposing boosts and moving them through proposed → pending approval → approved → active →
paused → completed | cancelled. Every move is a conditional UPDATE (the row only changes from
an expected status), with the database trigger as the backstop."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from approvals.selectors import brand_in_crisis
from approvals.services import request_approval, withdraw_request
from assets.services import Attachment
from content import selectors as content_selectors
from content.models import Draft
from media import pacing, selectors
from media.errors import BoostNotFound, BrandInCrisis, MediaError, TransitionRefused
from media.models import Boost
from media.money import format_money, has_minor_precision, is_currency
from media.services.attention import sync_boost_attention
from media.services.budgets import reserve_budget
from media.services.creative import replace_boost_assets
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import Brand, User

logger = logging.getLogger(__name__)

PROMOTABLE_DRAFT_STATUSES = {Draft.Status.APPROVED, Draft.Status.PUBLISHED}
CRISIS_HOLD_NOTE = "Held by the brand's crisis; it goes ahead when the crisis stands down."
# The longest a boost may run, in days. Networks sell campaigns for weeks or months; a year is
# a generous bound that keeps the day-by-day budget and pacing maths (media.pacing) small.
MAX_BOOST_DAYS = pacing.MAX_SCHEDULE_DAYS
# How far ahead a boost may be planned: two years of monthly budgets is already a long plan,
# and it keeps every schedule far from the end of the calendar Python can represent.
MAX_BOOST_LEAD = timedelta(days=730)
# A start may lie this far behind the server's clock: a client's clock runs a little off, and
# "start now" takes a moment to arrive. Any earlier is a start in the past.
START_CLOCK_SKEW = timedelta(minutes=5)


def _tz(brand: Brand) -> ZoneInfo:
    return ZoneInfo(brand.timezone)


def move_boost(*, boost_id: int, to: str, allowed_from: Iterable[str], **changes: Any) -> Boost:
    """Move a boost to ``to`` only from one of ``allowed_from``; otherwise TransitionRefused
    (409) naming where the boost is, and nothing changes."""
    allowed = [s for s in allowed_from if to in Boost.TRANSITIONS[s]]
    if to != Boost.Status.PAUSED:
        changes.setdefault("pause_reason", "")
    updated = Boost.objects.filter(pk=boost_id, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **changes
    )
    if not updated:
        current = Boost.objects.filter(pk=boost_id).values_list("status", flat=True).first()
        if current is None:
            raise BoostNotFound(f"There is no boost {boost_id}.")
        raise TransitionRefused(
            f"Boost {boost_id} is {current} and cannot become {to}"
            + (f" (only from {', '.join(allowed)})." if allowed else "."),
            field="status",
        )
    boost = Boost.objects.get(pk=boost_id)
    audit.record(action=AuditAction.BOOST_MOVED, subject=boost, after={"status": to, **changes})
    sync_boost_attention()
    return boost


def _check_money(*, currency: str, budget_total: Decimal, daily_cap: Decimal | None) -> None:
    if not is_currency(currency):
        raise MediaError(f"'{currency}' is not an ISO 4217 currency code.", field="currency")
    if budget_total <= 0:
        raise MediaError("The total budget must be more than zero.", field="budget_total")
    if not has_minor_precision(budget_total, currency):
        raise MediaError(
            f"{budget_total} has more decimals than {currency} has.", field="budget_total"
        )
    if daily_cap is not None:
        if daily_cap <= 0 or daily_cap > budget_total:
            raise MediaError(
                "The daily cap must be more than zero and at most the total budget.",
                field="daily_cap",
            )
        if not has_minor_precision(daily_cap, currency):
            raise MediaError(
                f"{daily_cap} has more decimals than {currency} has.", field="daily_cap"
            )


def _check_schedule(
    *, starts_at: datetime, ends_at: datetime, now: datetime, new_start: bool
) -> None:
    """Refuse a schedule that is not time-zone aware, ends before it starts or in the past,
    runs longer than MAX_BOOST_DAYS or, for a start being set now, starts in the past (beyond
    START_CLOCK_SKEW) or too far ahead. A start set earlier is not checked again: a running
    boost's start is naturally behind us."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise MediaError("Give start and end with a time zone offset.", field="starts_at")
    if new_start and starts_at < now - START_CLOCK_SKEW:
        raise MediaError(
            "The boost would start in the past; start it now or later.", field="starts_at"
        )
    if new_start and starts_at > now + MAX_BOOST_LEAD:
        raise MediaError(
            f"A boost can be planned at most {MAX_BOOST_LEAD.days} days ahead.", field="starts_at"
        )
    if ends_at <= starts_at:
        raise MediaError("The boost must end after it starts.", field="ends_at")
    if ends_at <= now:
        raise MediaError("The boost would end in the past.", field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_BOOST_DAYS):
        raise MediaError(
            f"A boost runs at most {MAX_BOOST_DAYS} days; this one would run "
            f"{(ends_at - starts_at).days} days.",
            field="ends_at",
        )


def _check_audience(audience_id: int | None) -> None:
    """A boost names one of the brand's audience profiles (or none)."""
    if (
        audience_id is not None
        and not content_selectors.audiences().filter(pk=audience_id).exists()
    ):
        raise MediaError(
            f"The brand has no audience profile {audience_id}; name one of its profiles "
            "(GET .../audiences/).",
            field="audience",
        )


def _check_post(*, draft_id: int | None, external_post_ref: str, network: str) -> None:
    if (draft_id is None) == (not external_post_ref):
        raise MediaError(
            "Promote either an approved draft (draft_id) or a published post "
            "(external_post_ref), exactly one of them.",
            field="draft_id",
        )
    if draft_id is None:
        return
    try:
        draft = content_selectors.get_draft(draft_id=draft_id)
    except Draft.DoesNotExist:
        raise MediaError(f"There is no draft {draft_id}.", field="draft_id") from None
    if draft.status not in PROMOTABLE_DRAFT_STATUSES:
        raise MediaError(
            f"Draft {draft_id} is {draft.status}; only approved or published drafts can be "
            "boosted.",
            field="draft_id",
        )
    if draft.channel is not None and draft.channel.network != network:
        raise MediaError(
            f"Draft {draft_id} is for {draft.channel.network}, not {network}.", field="network"
        )


def _draft_risk(boost: Boost) -> int:
    if boost.draft_id is None:
        return 0
    return content_selectors.get_draft(draft_id=boost.draft_id).risk_score or 0


def offer_for_approval(*, boost: Boost, now: datetime) -> Boost:
    """Ask the approvals app about a proposed boost's spend and move it to pending approval
    (its chain is open) or approved (the brand's policy needs no sign-off)."""
    result = request_approval(
        subject_kind="boost",
        subject_id=boost.pk,
        risk_score=_draft_risk(boost),
        actor_id=boost.proposed_by_id,
        amount=boost.budget_total,
        currency=boost.currency,
        summary=(
            f"Boost on {boost.network} for {boost.objective}: "
            f"{format_money(boost.budget_total, boost.currency)}, "
            f"{boost.starts_at:%Y-%m-%d} to {boost.ends_at:%Y-%m-%d}"
        ),
        now=now,
    )
    to = Boost.Status.PENDING_APPROVAL if result.needs_approval else Boost.Status.APPROVED
    return move_boost(
        boost_id=boost.pk,
        to=to,
        allowed_from=[Boost.Status.PROPOSED],
        submitted_at=now,
        approval_request_id=result.request_id,
        approval_note=result.reason,
    )


def propose_boost(
    *,
    brand: Brand,
    actor_id: int | None,
    actor_key_id: int | None = None,
    network: str,
    objective: str,
    budget_total: Decimal,
    starts_at: datetime,
    ends_at: datetime,
    currency: str | None = None,
    daily_cap: Decimal | None = None,
    draft_id: int | None = None,
    external_post_ref: str = "",
    audience_ref: str = "",
    audience_id: int | None = None,
    targeting: dict[str, Any] | None = None,
    assets: list[Attachment] | None = None,
    now: datetime | None = None,
) -> Boost:
    """Propose a boost (in the brand's currency unless ``currency`` says otherwise) with its
    creative (``assets``, in order with alt text) and offer it for sign-off by spend (or
    approve it when under the brand's threshold). Refused when it does not fit the monthly
    budget; held in a crisis."""
    now = now or timezone.now()
    currency = currency or brand.currency
    _check_money(currency=currency, budget_total=budget_total, daily_cap=daily_cap)
    _check_schedule(starts_at=starts_at, ends_at=ends_at, now=now, new_start=True)
    _check_post(draft_id=draft_id, external_post_ref=external_post_ref, network=network)
    _check_audience(audience_id)
    with transaction.atomic():
        boost = Boost(
            draft_id=draft_id,
            external_post_ref=external_post_ref,
            network=network,
            objective=objective,
            audience_ref=audience_ref,
            audience_id=audience_id,
            targeting=targeting or {},
            currency=currency,
            budget_total=budget_total,
            daily_cap=daily_cap,
            starts_at=starts_at,
            ends_at=ends_at,
            proposed_by_id=actor_id,
            proposed_by_key_id=actor_key_id,
        )
        reserve_budget(schedule=selectors.schedule_of(boost=boost, tz=_tz(brand)), tz=_tz(brand))
        boost.save()
        audit.record(
            action=AuditAction.BOOST_PROPOSED,
            subject=boost,
            after=audit.fields_of(row=boost, names=PROPOSAL_FIELDS),
            brand=brand,
        )
        if assets:
            # On the boost before it is offered: its approvers judge the creative too.
            replace_boost_assets(boost=boost, attachments=assets, actor_key_id=actor_key_id)
        if brand_in_crisis():
            Boost.objects.filter(pk=boost.pk).update(crisis_hold=True, status_note=CRISIS_HOLD_NOTE)
            boost.refresh_from_db()
            return boost
        return offer_for_approval(boost=boost, now=now)


PROPOSAL_FIELDS = [
    "network",
    "audience_id",
    "objective",
    "currency",
    "budget_total",
    "daily_cap",
    "starts_at",
    "ends_at",
    "draft_id",
    "external_post_ref",
]
EDITABLE_FIELDS = frozenset(
    {
        "objective",
        "audience_ref",
        "audience_id",
        "targeting",
        "budget_total",
        "daily_cap",
        "starts_at",
        "ends_at",
    }
)


def update_boost(
    *, brand: Brand, boost_id: int, now: datetime | None = None, **changes: Any
) -> Boost:
    """Change a proposed boost (typically after changes were asked for) before it is offered
    for sign-off again; budget changes must still fit the monthly budget."""
    now = now or timezone.now()
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise MediaError(f"'{sorted(unknown)[0]}' cannot be changed.", field=sorted(unknown)[0])
    if "audience_id" in changes:
        _check_audience(changes["audience_id"])
    with transaction.atomic():
        boost = lock_boost(boost_id=boost_id)
        if boost.status != Boost.Status.PROPOSED:
            raise TransitionRefused(
                f"Boost {boost_id} is {boost.status}; only a proposed boost can be changed.",
                field="status",
            )
        moves_start = "starts_at" in changes and changes["starts_at"] != boost.starts_at
        audit.record_changes(
            action=AuditAction.BOOST_CHANGED, subject=boost, values=changes, brand=brand
        )
        for field, value in changes.items():
            setattr(boost, field, value)
        _check_money(
            currency=boost.currency, budget_total=boost.budget_total, daily_cap=boost.daily_cap
        )
        _check_schedule(
            starts_at=boost.starts_at,
            ends_at=boost.ends_at,
            now=now,
            new_start=moves_start,
        )
        if changes.keys() & {"budget_total", "starts_at", "ends_at"}:
            reserve_budget(
                schedule=selectors.schedule_of(boost=boost, tz=_tz(brand)),
                tz=_tz(brand),
                exclude_boost_id=boost.pk,
            )
        boost.save(update_fields=[*changes, "updated_at"])
    return boost


def set_boost_assets(
    *,
    boost_id: int,
    attachments: list[Attachment],
    actor: User | None = None,
    actor_key_id: int | None = None,
    now: datetime | None = None,
) -> Boost:
    """Replace a boost's creative (in order with alt text). A proposed boost changes in
    place. A boost waiting for sign-off changes only by starting its review again: its open
    request is withdrawn and the boost is offered afresh, so nobody approves creative they did
    not see. Approved or running boosts (and any boost a crisis holds) are a 409. Setting what
    it carries already changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        boost = lock_boost(boost_id=boost_id)
        if boost.status not in (Boost.Status.PROPOSED, Boost.Status.PENDING_APPROVAL):
            raise TransitionRefused(
                f"Boost {boost_id} is {boost.status}; its images can no longer change.",
                field="assets",
            )
        restart = boost.status == Boost.Status.PENDING_APPROVAL
        if restart and (boost.crisis_hold or brand_in_crisis()):
            raise BrandInCrisis(f"The brand is in crisis; boost {boost_id} is held.")
        changed = replace_boost_assets(
            boost=boost, attachments=attachments, actor=actor, actor_key_id=actor_key_id
        )
        if not (changed and restart):
            return boost
        withdraw_request(
            subject_kind="boost", subject_id=boost_id, actor_id=actor.pk if actor else None
        )
        boost = move_boost(
            boost_id=boost_id,
            to=Boost.Status.PROPOSED,
            allowed_from=[Boost.Status.PENDING_APPROVAL],
            approval_request_id=None,
        )
        return offer_for_approval(boost=boost, now=now)


def submit_boost(*, boost_id: int, now: datetime | None = None) -> Boost:
    """Offer a proposed boost (again, after changes were asked for) for sign-off."""
    now = now or timezone.now()
    with transaction.atomic():
        boost = lock_boost(boost_id=boost_id)
        if boost.status != Boost.Status.PROPOSED:
            raise TransitionRefused(
                f"Boost {boost_id} is {boost.status}; only a proposed boost can be submitted.",
                field="status",
            )
        if boost.crisis_hold or brand_in_crisis():
            raise BrandInCrisis(f"The brand is in crisis; boost {boost_id} is held.")
        return offer_for_approval(boost=boost, now=now)


def lock_boost(*, boost_id: int) -> Boost:
    """The boost, row-locked until the transaction ends (raises BoostNotFound)."""
    try:
        return Boost.objects.select_for_update().get(pk=boost_id)
    except Boost.DoesNotExist:
        raise BoostNotFound(f"There is no boost {boost_id}.") from None


OUTCOME_MOVES = {
    "approved": Boost.Status.APPROVED,
    "rejected": Boost.Status.CANCELLED,
    "changes_requested": Boost.Status.PROPOSED,
    "expired": Boost.Status.CANCELLED,
}


def apply_approval_outcome(
    *, boost_id: int, outcome: str, request_id: int | None = None, note: str = ""
) -> Boost | None:
    """Move a pending boost by its approval request's outcome (approved, rejected,
    changes_requested, expired). An outcome of another request, or for a boost that moved on,
    changes nothing and returns None."""
    if outcome not in OUTCOME_MOVES:
        logger.warning("Ignored unknown approval outcome %s for boost %s", outcome, boost_id)
        return None
    filters: dict[str, Any] = {}
    if request_id is not None:
        filters["approval_request_id"] = request_id
    text = {
        "approved": "Approved.",
        "rejected": "Rejected.",
        "changes_requested": "Changes requested.",
        "expired": "Approval expired.",
    }[outcome] + (f" {note}" if note else "")
    if filters and not Boost.objects.filter(pk=boost_id, **filters).exists():
        logger.info("Ignored outcome of request %s: not boost %s's", request_id, boost_id)
        return None
    try:
        return move_boost(
            boost_id=boost_id,
            to=OUTCOME_MOVES[outcome],
            allowed_from=[Boost.Status.PENDING_APPROVAL],
            status_note=text,
        )
    except (TransitionRefused, BoostNotFound):
        logger.info("Ignored approval outcome %s for boost %s: it moved on", outcome, boost_id)
        return None


def activate_boost(*, boost_id: int, now: datetime | None = None) -> Boost:
    """Start delivery of an approved boost; refused while a crisis holds it or after its end."""
    now = now or timezone.now()
    with transaction.atomic():
        boost = lock_boost(boost_id=boost_id)
        if boost.crisis_hold or brand_in_crisis():
            raise BrandInCrisis(f"The brand is in crisis; boost {boost_id} is held.")
        if boost.status == Boost.Status.APPROVED and boost.ends_at <= now:
            raise TransitionRefused(f"Boost {boost_id}'s schedule is over.", field="status")
        return move_boost(
            boost_id=boost_id, to=Boost.Status.ACTIVE, allowed_from=[Boost.Status.APPROVED]
        )


def pause_boost(*, boost_id: int, reason: str = Boost.PauseReason.MANUAL, note: str = "") -> Boost:
    """Stop delivery for now."""
    return move_boost(
        boost_id=boost_id,
        to=Boost.Status.PAUSED,
        allowed_from=[Boost.Status.ACTIVE],
        pause_reason=reason,
        status_note=note,
    )


def resume_boost(*, boost_id: int, now: datetime | None = None) -> Boost:
    """Deliver a paused boost again; refused in a crisis and once its cap is spent."""
    now = now or timezone.now()
    with transaction.atomic():
        boost = lock_boost(boost_id=boost_id)
        if boost.crisis_hold or brand_in_crisis():
            raise BrandInCrisis(f"The brand is in crisis; boost {boost_id} is held.")
        spend = selectors.spend_of(boost_id=boost_id)
        if boost.status == Boost.Status.PAUSED and spend >= boost.budget_total:
            raise TransitionRefused(
                f"Boost {boost_id} has spent {format_money(spend, boost.currency)} of its "
                f"{format_money(boost.budget_total, boost.currency)} budget; it cannot spend "
                "more.",
                field="status",
            )
        return move_boost(
            boost_id=boost_id,
            to=Boost.Status.ACTIVE,
            allowed_from=[Boost.Status.PAUSED],
            status_note="",
        )


def complete_boost(*, boost_id: int) -> Boost:
    """Mark a delivered boost as finished."""
    return move_boost(
        boost_id=boost_id,
        to=Boost.Status.COMPLETED,
        allowed_from=[Boost.Status.ACTIVE, Boost.Status.PAUSED],
    )


def cancel_boost(*, boost_id: int, note: str = "", actor_id: int | None = None) -> Boost:
    """Call a boost off; its budget is released for other boosts and a sign-off still open
    for it is withdrawn, so nobody is asked to decide a boost that will not run."""
    with transaction.atomic():
        boost = move_boost(
            boost_id=boost_id,
            to=Boost.Status.CANCELLED,
            allowed_from=[s for s, moves in Boost.TRANSITIONS.items() if "cancelled" in moves],
            status_note=note,
        )
        withdraw_request(subject_kind="boost", subject_id=boost_id, actor_id=actor_id)
    return boost
