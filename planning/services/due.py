"""Plan items whose time has come: announced once each as ``planning.item_due`` (the
"plan_item.due" webhook event), with where the item stands, so the integrator or the team sees
an item due that is not scheduled yet."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from outbox.services import record_event
from planning import announcements
from planning.models import ITEM_DELIVERED, ItemStatus, PlanItem
from tenants.models import Brand


def announce_due_items(*, brand: Brand, now: datetime, limit: int = 500) -> int:
    """Announce the open items whose brand-local day and time (or day, or week's Monday) has
    come, once each: rows are claimed under ``SKIP LOCKED`` and marked in the same transaction
    as their events, so sweeps at once or again never announce one twice. Returns how many."""
    local = now.astimezone(ZoneInfo(brand.timezone))
    come = Q(planned_on__lt=local.date()) | Q(
        Q(publish_time__isnull=True) | Q(publish_time__lte=local.time()),
        planned_on=local.date(),
    )
    with transaction.atomic():
        due = list(
            PlanItem.objects.select_for_update(skip_locked=True)
            .filter(come, due_announced_at__isnull=True)
            .exclude(status__in=[*ITEM_DELIVERED, ItemStatus.DROPPED])
            .order_by("planned_on", "pk")
            .values(
                "pk", "title", "status", "planned_on", "publish_time", "channel_id", "brief_id"
            )[:limit]
        )
        PlanItem.objects.filter(pk__in=[row["pk"] for row in due]).update(due_announced_at=now)
        for row in due:
            record_event(
                name=announcements.ITEM_DUE,
                payload={
                    "plan_item_id": row["pk"],
                    "title": row["title"],
                    "status": row["status"],
                    "planned_on": row["planned_on"],
                    "publish_time": row["publish_time"],
                    "channel_id": row["channel_id"],
                    "brief_id": row["brief_id"],
                },
            )
    return len(due)
