"""The every-minute trigger evaluation cycle over the brands the due index says are due."""

from __future__ import annotations

import logging
from datetime import datetime

from django_tenants.utils import tenant_context

from listening.models import TriggerFiring
from listening.services.due_index import claim_due_brands, mark_inputs_changed, sync_next_check
from listening.services.triggers import check_time_based, evaluate_triggers
from tenants.models import Brand

logger = logging.getLogger(__name__)


def evaluate_due_brands(*, now: datetime) -> dict[str, int]:
    """One evaluation cycle: in every brand with new inputs, its signal triggers; in every
    brand whose time came, its due time-based triggers. Returns firings per brand slug."""
    results: dict[str, int] = {}
    due = {d.brand_id: d for d in claim_due_brands(now=now)}
    if not due:
        return results
    for brand in Brand.objects.filter(pk__in=due, status=Brand.Status.ACTIVE).order_by("pk"):
        try:
            with tenant_context(brand):
                fired: list[TriggerFiring] = []
                if due[brand.pk].inputs_changed:
                    fired += evaluate_triggers(brand=brand, now=now)
                fired += check_time_based(brand=brand, now=now)
                sync_next_check()
            results[brand.slug] = len(fired)
        except Exception:
            # One brand's failure must not starve the others: its inputs stay marked for the
            # next cycle, and the lease brings its time-based triggers back.
            logger.exception("Trigger evaluation failed for brand %s", brand.slug)
            with tenant_context(brand):
                mark_inputs_changed(now=now)
    return results
