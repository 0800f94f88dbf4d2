"""How approvals hears about other apps: new brands get defaults, ready drafts meet the policy."""

from __future__ import annotations

from typing import Any

from django_tenants.utils import schema_context

from content.signals import draft_ready
from tenants.models import Brand
from tenants.signals import brand_provisioned


def seed_new_brand(sender: Any, brand: Brand, **kwargs: Any) -> None:
    """Every new brand starts at autonomy level 1 with its preset chains."""
    from approvals.services import seed_brand_defaults, sync_brand_due

    with schema_context(brand.schema_name):
        seed_brand_defaults()
        sync_brand_due()


def route_ready_draft(sender: Any, draft_id: int, **kwargs: Any) -> None:
    """A checked and scored draft goes through the brand's policy (runs in the brand's schema,
    after the draft's transaction committed)."""
    from approvals.services import request_approval
    from content.selectors import get_draft

    draft = get_draft(draft_id=draft_id)
    request_approval(
        subject_kind=draft.kind,
        subject_id=draft.pk,
        risk_score=draft.risk_score or 0,
        requested_by_id=draft.created_by_id,
        summary=draft.text[:200],
    )


def connect() -> None:
    brand_provisioned.connect(seed_new_brand, dispatch_uid="approvals.seed_new_brand")
    draft_ready.connect(route_ready_draft, dispatch_uid="approvals.route_ready_draft")
