"""The deadline sweep: every minute, the due work of every brand that has some.

Brands come from the public due index (``due_index``), steps from each brand's partial index
on ``next_action_at``, so the sweep's cost follows the due work, not the number of brands or
open steps.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from approvals.models import ApprovalStep
from approvals.services.attention import sync_approvals_attention, sync_steps_attention
from approvals.services.due import handle_due_step, read_due_batch, remind_due_steps
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

    The due brands are fanned out over up to ``APPROVALS_SWEEP_THREADS`` threads, each on a
    connection of its own from the pool, so the sweep's time follows the slowest share rather
    than the sum of every brand's round trips. Inside a caller's transaction (and with one
    thread or one due brand) the brands are swept one after another on the caller's
    connection instead: other connections could not see the caller's uncommitted work.
    """
    ids = due_brand_ids(now=now)
    if not ids:
        return {}
    brands = list(Brand.objects.filter(pk__in=ids, status=Brand.Status.ACTIVE).order_by("pk"))
    threads = min(settings.APPROVALS_SWEEP_THREADS, len(brands))
    if threads <= 1 or connection.in_atomic_block:
        swept = [_sweep_one(brand, now=now) for brand in brands]
    else:
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="approvals-sweep")
        try:
            swept = list(pool.map(lambda brand: _sweep_in_thread(brand, now=now), brands))
        finally:
            # Stopped early (the actor's time limit), the brands not started yet wait for the
            # next run instead of holding this one up.
            pool.shutdown(cancel_futures=True)
    return {
        brand.slug: handled
        for brand, handled in zip(brands, swept, strict=True)
        if handled is not None
    }


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


def _sweep_in_thread(brand: Brand, *, now: datetime) -> int | None:
    """Sweep one brand on a pool thread's own connection, handed back (or closed) afterwards
    so no connection, and no brand's search_path, outlives the brand's work."""
    try:
        return _sweep_one(brand, now=now)
    finally:
        connection.close()
