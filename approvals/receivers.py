"""How approvals reacts to other apps: new brands get defaults, ready drafts meet the policy.

Ready drafts arrive as ``content.draft_ready`` outbox events, run by the worker after the
draft's transaction committed (see outbox.handlers); the reconciler routes any ready draft
that is still without a request a while later. Routing is safe to repeat: it only acts on a
draft that is still ``ready``, under its row lock.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from content import announcements
from content import selectors as content_selectors
from outbox import handlers
from outbox.models import OutboxEvent
from tenants.models import Brand
from tenants.signals import brand_provisioned

logger = logging.getLogger(__name__)


def seed_new_brand(sender: Any, brand: Brand, **kwargs: Any) -> None:
    """Every new brand starts at autonomy level 1 with its preset chains."""
    from approvals.services import seed_brand_defaults, sync_brand_due

    with schema_context(brand.schema_name):
        seed_brand_defaults()
        sync_brand_due()


def route_draft(*, draft_id: int) -> bool:
    """Put a ready draft through the brand's policy (clear it or open its request); False when
    it is no longer ready (routed already, revised, deleted).

    A generation job's ready variants go together as one review item (the first routed takes
    its siblings along, so their own events find them routed already); the item is as risky
    as its riskiest variant."""
    from approvals.services import request_approval

    # Inside the outbox reaction's transaction no savepoint is needed: nothing here catches a
    # database error, so it rolls the reaction back whole.
    with transaction.atomic(savepoint=False):
        variants = content_selectors.locked_ready_variants(draft_id=draft_id)
        if not variants:
            return False
        first = variants[0]
        request_approval(
            subject_kind=first.kind,
            subject_id=first.pk,
            risk_score=max(v.risk_score or 0 for v in variants),
            actor_id=first.created_by_id,
            summary=first.text[:200],
            variant_ids=[v.pk for v in variants] if len(variants) > 1 else (),
            drafts=variants,
        )
    return True


def route_ready_draft(event: OutboxEvent) -> None:
    route_draft(draft_id=event.payload["draft_id"])


def route_forgotten_drafts() -> int:
    """The reconciler's part for approvals: route drafts left ``ready`` for longer than the
    grace period (their event's reaction failed for good, or predates the outbox)."""
    ready_before = timezone.now() - timedelta(seconds=settings.OUTBOX_RECONCILE_AFTER_SECONDS)
    routed = 0
    for draft_id in content_selectors.ready_draft_ids(ready_before=ready_before):
        try:
            routed += route_draft(draft_id=draft_id)
        except Exception:
            logger.exception(
                "Routing forgotten draft %s failed; the next run tries again", draft_id
            )
    return routed


def reconcile_attention() -> int:
    """The reconciler's part for the cockpit: rebuild the brand's approval-step and crisis
    rows from its steps and crisis state (deadlines that moved, rows a failed write missed)."""
    from approvals.services.attention import sync_approvals_attention

    return sync_approvals_attention()


def connect() -> None:
    brand_provisioned.connect(seed_new_brand, dispatch_uid="approvals.seed_new_brand")
    handlers.register(
        announcements.DRAFT_READY, route_ready_draft, key="approvals.route_ready_draft"
    )
    handlers.register_reconciler(route_forgotten_drafts, key="approvals.route_forgotten_drafts")
    handlers.register_reconciler(reconcile_attention, key="approvals.attention")
