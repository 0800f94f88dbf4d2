"""The deadline sweep: every minute, the due work of every brand that has some.

Brands come from the public due index (``due_index``), steps from each brand's partial index
on ``next_action_at``, so the sweep's cost follows the due work, not the number of brands or
open steps. Reminders are handled for many brands at once (``due_across_brands``); the rest
brand by brand, each brand's batches in transactions of their own.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django_tenants.utils import tenant_context

from approvals.models import ApprovalStep
from approvals.services.attention import sync_approvals_attention, sync_steps_attention
from approvals.services.due import handle_due_step, read_due_batch, remind_due_steps
from approvals.services.due_across_brands import remind_due_brands
from approvals.services.due_index import due_brand_ids, sync_brand_due
from tenants.models import Brand

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100


def sweep_brand(*, now: datetime) -> int:
    """Handle every step of the current brand that is due at ``now``; returns how many.

    Steps are claimed with SKIP LOCKED so an overlapping sweep (or a decision being made on
    the same step) never handles a step twice; each batch is one transaction. A batch's
    reminders are written set-wise (``remind_due_steps``); only the steps that reached their
    deadline, or have nobody left to decide, are handled one by one.
    """
    handled = 0
    while True:
        with transaction.atomic():
            steps = list(
                ApprovalStep.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("request")
                .filter(status=ApprovalStep.Status.OPEN, next_action_at__lte=now)
                .order_by("next_action_at")[:SWEEP_BATCH]
            )
            if steps:
                batch = read_due_batch(steps=steps)
                rest = remind_due_steps(batch=batch, now=now)
                for step in rest:
                    handle_due_step(step=step, now=now)
                if rest:
                    # Timeouts may open a request's next step or finish it: re-read them all.
                    sync_approvals_attention()
                else:
                    sync_steps_attention(
                        steps=steps, decisions=batch.decisions, crisis=batch.crisis
                    )
            sync_brand_due()
        handled += len(steps)
        if len(steps) < SWEEP_BATCH:
            return handled


def sweep_due_brands(*, now: datetime) -> dict[str, int]:
    """Run the sweep in every active brand that has something due; returns handled steps per
    brand (a brand whose sweep failed is logged and left out: it stays due for the next run).

    Reminders, the common case, are handled for a chunk of due brands at a time in a fixed
    number of statements (``remind_due_brands``); a brand with other work due (a deadline
    reached, a step nobody may decide) is then swept on its own (``sweep_brand``).
    """
    ids = due_brand_ids(now=now)
    if not ids:
        return {}
    brands = list(Brand.objects.filter(pk__in=ids, status=Brand.Status.ACTIVE).order_by("pk"))
    handled: dict[int, int | None] = {}
    reminded, left = remind_due_brands(brands=brands, now=now, batch_size=SWEEP_BATCH)
    handled.update(reminded)
    for brand in left:
        handled[brand.pk] = _sweep_one(brand, now=now)
    return {brand.slug: count for brand in brands if (count := handled.get(brand.pk)) is not None}


def _sweep_one(brand: Brand, *, now: datetime) -> int | None:
    """Sweep one brand on the current connection; ``None`` if it failed."""
    try:
        with tenant_context(brand):
            return sweep_brand(now=now)
    except Exception:
        # One brand's failure must not starve the others; it stays due and is retried
        # by the next sweep, and the error is logged with the brand named.
        logger.exception("Approvals sweep failed for brand %s", brand.slug)
        return None
