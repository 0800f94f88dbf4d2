"""The sweep's due index: each brand's earliest open-step due time, kept in the public schema.

Every open step keeps exactly one due time, ``next_action_at`` (the earlier of its next
reminder and its deadline), under a partial index. Each brand's earliest due time is copied
into the public ``BrandDue`` table in the same transaction as the change that moved it, so the
sweep finds due brands with one indexed query and, inside each, due steps with another: its
cost follows the due work, not the number of brands or open steps.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from approvals.models import ApprovalStep
from approvals.schedule.models import BrandDue
from tenants.selectors import current_brand


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


def due_brand_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Brands with approval work due by ``now``, most overdue first (one indexed query)."""
    return list(
        BrandDue.objects.filter(next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("brand_id", flat=True)[:limit]
    )
