"""Plan–do–check–act reviews: open one for a period, record findings and actions, apply an
action (the plan changes through its own services, with an audit entry), close it (frozen)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.errors import Conflict, NotFound, PlanningError
from planning.models import Finding, ItemStatus, Pillar, PlanItem, Review, ReviewAction
from planning.services import items as item_services
from planning.services import learnings, packs
from planning.services import pillars as pillar_services
from results.periods import next_period
from results.periods import period_start as start_of
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import Brand, User
from tenants.selectors import role_on_brand

MAX_EVIDENCE = 20


def open_review(*, period: str, period_start: date, created_by_id: int | None) -> Review:
    """Open the review of the week, month or quarter holding ``period_start`` (one per
    period); the worker assembles its pack."""
    start = start_of(period_start, period)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                period=period, period_start=start, created_by_id=created_by_id
            )
            return packs.request_pack(review_id=review.pk)
    except IntegrityError:
        raise Conflict(
            f"The {period} from {start} already has a review.", field="period_start"
        ) from None


def _open(review_id: int) -> Review:
    """The review, locked; a 409 when it is closed."""
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound(f"There is no review {review_id}.")
    if review.status == Review.Status.CLOSED:
        raise Conflict("The review is closed; it no longer changes.")
    return review


def add_finding(
    *,
    review_id: int,
    kind: str,
    text: str,
    evidence: list[str],
    created_by_id: int | None,
    learning: bool = False,
) -> Finding:
    """Record what worked or did not, with links to the evidence; a learning also goes into
    the assistant's context (short enough, and within the brand's bound of learnings)."""
    if not text.strip():
        raise PlanningError("Say what the review found.", field="text")
    if len(evidence) > MAX_EVIDENCE:
        raise PlanningError(f"Link at most {MAX_EVIDENCE} pieces of evidence.", field="evidence")
    if learning:
        learnings.check_learning(text=text)
    with transaction.atomic():
        review = _open(review_id)
        if learning:
            learnings.make_room_checked()
        return Finding.objects.create(
            review=review,
            kind=kind,
            text=text.strip(),
            evidence=evidence,
            learning=learning,
            created_by_id=created_by_id,
        )


def add_action(
    *,
    brand: Brand,
    review_id: int,
    title: str,
    kind: str,
    due_on: date,
    owner_id: int | None = None,
    pillar_id: int | None = None,
    target_share: Decimal | None = None,
    plan_item_id: int | None = None,
    item_status: str = "",
    planned_on: date | None = None,
) -> ReviewAction:
    """Decide a change: the thing it names must exist and the change be complete (a pillar
    and its new target, an item and its new status or day)."""
    if kind == ReviewAction.Kind.PILLAR_TARGET:
        if pillar_id is None or not Pillar.objects.filter(pk=pillar_id).exists():
            raise PlanningError(f"There is no pillar {pillar_id}.", field="pillar")
        if target_share is None:
            raise PlanningError("Give the pillar's new target share.", field="target_share")
    names_item = kind in (ReviewAction.Kind.ITEM_STATUS, ReviewAction.Kind.ITEM_DATE)
    if names_item and (
        plan_item_id is None or not PlanItem.objects.filter(pk=plan_item_id).exists()
    ):
        raise PlanningError(f"There is no plan item {plan_item_id}.", field="plan_item")
    if kind == ReviewAction.Kind.ITEM_STATUS and not item_status:
        raise PlanningError("Give the item's new status.", field="item_status")
    if kind == ReviewAction.Kind.ITEM_DATE and planned_on is None:
        raise PlanningError("Give the item's new day.", field="planned_on")
    if owner_id is not None:
        owner = User.objects.filter(pk=owner_id).first()
        if owner is None or role_on_brand(user=owner, brand=brand) is None:
            raise PlanningError(f"User {owner_id} is not a member of this brand.", field="owner")
    with transaction.atomic():
        review = _open(review_id)
        return ReviewAction.objects.create(
            review=review,
            title=title,
            kind=kind,
            due_on=due_on,
            owner_id=owner_id,
            pillar_id=pillar_id if kind == ReviewAction.Kind.PILLAR_TARGET else None,
            target_share=target_share if kind == ReviewAction.Kind.PILLAR_TARGET else None,
            plan_item_id=plan_item_id if kind != ReviewAction.Kind.PILLAR_TARGET else None,
            item_status=item_status if kind == ReviewAction.Kind.ITEM_STATUS else "",
            planned_on=planned_on if kind == ReviewAction.Kind.ITEM_DATE else None,
        )


def apply_action(
    *, brand: Brand, action_id: int, actor: User | None, now: datetime | None = None
) -> ReviewAction:
    """Make the change the action names, through the plan's services (their rules apply: a
    target that would pass 100 % is a 400 and the action stays open), and record it. Applying
    twice is a 409; two people at once: the second waits and gets the 409."""
    now = now or timezone.now()
    with transaction.atomic():
        action = ReviewAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None:
            raise NotFound(f"There is no review action {action_id}.")
        _open(action.review_id)
        if action.status == ReviewAction.Status.APPLIED:
            raise Conflict(f"The action was already applied on {action.applied_at:%Y-%m-%d}.")
        before, after = _apply(brand=brand, action=action, now=now)
        action.status = ReviewAction.Status.APPLIED
        action.applied_by_id = actor.pk if actor is not None else None
        action.applied_at = now
        action.save(update_fields=["status", "applied_by_id", "applied_at"])
        audit.record(
            action=AuditAction.REVIEW_ACTION_APPLIED,
            subject=action,
            before=before,
            after=after,
            detail=f"Review #{action.review_id}: {action.title}",
            actor=actor,
        )
        return action


def _apply(
    *, brand: Brand, action: ReviewAction, now: datetime
) -> tuple[dict[str, object], dict[str, object]]:
    if action.kind == ReviewAction.Kind.PILLAR_TARGET and action.pillar_id is not None:
        old = Pillar.objects.get(pk=action.pillar_id).target_share
        pillar = pillar_services.update_pillar(
            pillar_id=action.pillar_id, target_share=action.target_share
        )
        return (
            {"pillar": pillar.pk, "target_share": old},
            {"pillar": pillar.pk, "target_share": pillar.target_share},
        )
    if action.kind == ReviewAction.Kind.ITEM_STATUS and action.plan_item_id is not None:
        old_status = PlanItem.objects.get(pk=action.plan_item_id).status
        item = item_services.move_item(
            brand=brand, item_id=action.plan_item_id, status=action.item_status, now=now
        )
        return (
            {"plan_item": item.pk, "status": old_status},
            {"plan_item": item.pk, "status": item.status},
        )
    if action.kind == ReviewAction.Kind.ITEM_DATE and action.plan_item_id is not None:
        old_day = PlanItem.objects.get(pk=action.plan_item_id).planned_on
        item = item_services.update_item(
            brand=brand, item_id=action.plan_item_id, planned_on=action.planned_on, now=now
        )
        return (
            {"plan_item": item.pk, "planned_on": old_day},
            {"plan_item": item.pk, "planned_on": item.planned_on},
        )
    return {}, {"done": True}


def close_review(*, review_id: int, now: datetime | None = None) -> Review:
    """Close the review: its findings and actions are frozen from now on, and the items of
    its period that went out become reviewed."""
    with transaction.atomic():
        review = _open(review_id)
        review.status = Review.Status.CLOSED
        review.closed_at = now or timezone.now()
        review.save(update_fields=["status", "closed_at"])
        PlanItem.objects.filter(
            planned_on__gte=review.period_start,
            planned_on__lt=next_period(review.period_start, review.period),
            status=ItemStatus.PUBLISHED,
        ).update(status=ItemStatus.REVIEWED, updated_at=review.closed_at)
        return review
