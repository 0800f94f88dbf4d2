"""The sweep's due index: each brand's earliest open-step due time, kept in the public schema.

Every open step keeps exactly one due time, ``next_action_at`` (the earlier of its next
reminder and its deadline), under a partial index. Each brand's earliest due time is copied
into the public ``BrandDue`` table in the same transaction as the change that moved it, so the
sweep finds due brands with one indexed query and, inside each, due steps with another: its
cost follows the due work, not the number of brands or open steps.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from approvals.models import ApprovalStep
from approvals.schedule.models import BrandDue
from tenants.selectors import current_brand


def sync_brand_due() -> None:
    """Copy the current brand's earliest open-step due time into the public sweep index.

    The brand's index row is locked (made first if missing) before the minimum is read, in a
    statement of its own: under READ COMMITTED the next statement's snapshot then sees every
    step committed by a transaction that held the lock before us, so two concurrent changes can
    never leave a later time than the true minimum behind. Two statements, no savepoint: the
    sweep and every step change pay it.
    """
    brand_id = current_brand().pk
    table = connection.ops.quote_name(BrandDue._meta.db_table)
    steps = connection.ops.quote_name(ApprovalStep._meta.db_table)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (brand_id, next_due_at) VALUES (%s, NULL)"
            f" ON CONFLICT (brand_id) DO UPDATE SET next_due_at = {table}.next_due_at",
            [brand_id],
        )
        cursor.execute(
            f"UPDATE {table} SET next_due_at = (SELECT min(next_action_at) FROM {steps}"
            " WHERE status = %s) WHERE brand_id = %s",
            [ApprovalStep.Status.OPEN, brand_id],
        )


def lower_brand_due(*, due_at: datetime | None) -> None:
    """``sync_brand_due`` for a change that only opened a step due at ``due_at`` (it closed,
    delayed or moved none): the index keeps the earlier of its time and ``due_at``, in one
    statement. Concurrent changes need no lock-then-read here: taking the earlier of two
    times gives the same result in either order with every other update of the row, which
    all wait for its lock (``sync_brand_due`` reads the steps after taking it)."""
    table = connection.ops.quote_name(BrandDue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (brand_id, next_due_at) VALUES (%s, %s)"
            f" ON CONFLICT (brand_id) DO UPDATE"
            f" SET next_due_at = LEAST({table}.next_due_at, EXCLUDED.next_due_at)",
            [current_brand().pk, due_at],
        )


def due_brand_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Brands with approval work due by ``now``, most overdue first (one indexed query)."""
    return list(
        BrandDue.objects.filter(next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("brand_id", flat=True)[:limit]
    )
