"""Deadlines: when a step is next due, the brand's entry in the sweep index, and the sweep.

Every open step keeps exactly one due time, ``next_action_at`` (the earlier of its next
reminder and its deadline), under a partial index. Each brand's earliest due time is copied
into the public ``BrandDue`` table in the same transaction, so the sweep finds due brands with
one indexed query and, inside each, due steps with another: its cost follows the due work, not
the number of brands or open steps.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django_tenants.utils import tenant_context

from approvals.models import ApprovalStep
from approvals.schedule.models import BrandDue
from tenants.models import Brand
from tenants.selectors import current_brand

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100


def next_action_at(step: ApprovalStep) -> datetime:
    """The earlier of the step's next unsent reminder and its deadline."""
    assert step.opened_at is not None and step.deadline_at is not None
    pending = [
        step.opened_at + timedelta(minutes=m) for m in step.reminder_minutes[step.reminders_sent :]
    ]
    return min([*pending, step.deadline_at])


def reminders_due(step: ApprovalStep, now: datetime) -> int:
    """How many of the step's reminders should have gone out by ``now``."""
    assert step.opened_at is not None
    return sum(1 for m in step.reminder_minutes if step.opened_at + timedelta(minutes=m) <= now)


def sync_brand_due() -> None:
    """Copy the current brand's earliest open-step due time into the public sweep index.

    The brand's index row is locked before the minimum is read: under READ COMMITTED the read
    then sees every step committed by a transaction that held the lock before us, so two
    concurrent changes can never leave a later time than the true minimum behind.
    """
    brand_id = current_brand().pk
    with transaction.atomic():
        BrandDue.objects.bulk_create([BrandDue(brand_id=brand_id)], ignore_conflicts=True)
        BrandDue.objects.select_for_update().filter(brand_id=brand_id).values_list("pk").get()
        earliest = (
            ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN)
            .order_by("next_action_at")
            .values_list("next_action_at", flat=True)
            .first()
        )
        BrandDue.objects.filter(brand_id=brand_id).update(next_due_at=earliest)


def sweep_brand(*, now: datetime) -> int:
    """Handle every step of the current brand that is due at ``now``; returns how many.

    Steps are claimed with SKIP LOCKED so an overlapping sweep (or a decision being made on
    the same step) never handles a step twice; each batch is one transaction.
    """
    from approvals.services.requests import handle_due_step

    handled = 0
    while True:
        with transaction.atomic():
            batch = list(
                ApprovalStep.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("request")
                .filter(status=ApprovalStep.Status.OPEN, next_action_at__lte=now)
                .order_by("next_action_at")[:SWEEP_BATCH]
            )
            for step in batch:
                handle_due_step(step=step, now=now)
            sync_brand_due()
        handled += len(batch)
        if len(batch) < SWEEP_BATCH:
            return handled


def due_brand_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Brands with approval work due by ``now``, most overdue first (one indexed query)."""
    return list(
        BrandDue.objects.filter(next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("brand_id", flat=True)[:limit]
    )


def sweep_due_brands(*, now: datetime) -> dict[str, int]:
    """Run the sweep in every brand that has something due; returns handled steps per brand."""
    results: dict[str, int] = {}
    ids = due_brand_ids(now=now)
    if not ids:
        return results
    for brand in Brand.objects.filter(pk__in=ids, status=Brand.Status.ACTIVE).order_by("pk"):
        try:
            with tenant_context(brand):
                results[brand.slug] = sweep_brand(now=now)
        except Exception:
            # One brand's failure must not starve the others; it stays due and is retried
            # by the next sweep, and the error is logged with the brand named.
            logger.exception("Approvals sweep failed for brand %s", brand.slug)
    return results
