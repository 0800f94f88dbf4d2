"""The monthly roll: the plan always covers the current month and the twelve after it. Each
run adds the months missing at the far end and closes the months that have passed with what
became of their items. Safe to run twice: a second run finds nothing to add or close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from planning import horizon
from planning.models import ITEM_DELIVERED, Cadence, ItemStatus, PlanItem, PlanMonth
from planning.services.lock import lock_plan
from tenants.models import Brand


@dataclass(frozen=True)
class RollOutcome:
    added: list[date] = field(default_factory=list)
    closed: list[date] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.added and not self.closed:
            return "nothing to do"
        parts = []
        if self.added:
            parts.append("added " + ", ".join(f"{m:%Y-%m}" for m in self.added))
        if self.closed:
            parts.append("closed " + ", ".join(f"{m:%Y-%m}" for m in self.closed))
        return "; ".join(parts)


def roll_plan(*, brand: Brand, now: datetime | None = None) -> RollOutcome:
    """Extend the brand's plan to twelve months ahead and close the months that have passed,
    under the plan row's lock (two rolls at once: the second waits and finds nothing to do)."""
    now = now or timezone.now()
    first, end = horizon.covered(horizon.local_today(now=now, tz_name=brand.timezone))
    with transaction.atomic():
        plan = lock_plan()
        rows = {row.month: row for row in PlanMonth.objects.all()}
        added = [m for m in horizon.months_between(first, end) if m not in rows]
        PlanMonth.objects.bulk_create([PlanMonth(month=m) for m in added])
        # Past months the plan has items in but no row for (items placed before the first
        # roll) are closed too.
        item_months = (
            PlanItem.objects.filter(planned_on__lt=first)
            .annotate(month=TruncMonth("planned_on"))
            .values_list("month", flat=True)
            .distinct()
        )
        to_close = sorted(
            {m for m, row in rows.items() if m < first and row.closed_at is None}
            | {m for m in item_months if m not in rows}
        )
        weekly = Cadence.objects.aggregate(total=Sum("posts_per_week"))["total"] or 0
        for month in to_close:
            _close(month=month, weekly=weekly, now=now)
        plan.rolled_at = now
        plan.save(update_fields=["rolled_at"])
    return RollOutcome(added=added, closed=to_close)


def _close(*, month: date, weekly: int, now: datetime) -> None:
    counts = PlanItem.objects.filter(
        planned_on__gte=month, planned_on__lt=horizon.add_months(month, 1)
    ).aggregate(
        planned=Count("pk", filter=~Q(status=ItemStatus.DROPPED)),
        published=Count("pk", filter=Q(status__in=ITEM_DELIVERED)),
        dropped=Count("pk", filter=Q(status=ItemStatus.DROPPED)),
    )
    PlanMonth.objects.update_or_create(
        month=month,
        defaults={
            "closed_at": now,
            "planned": counts["planned"],
            "published": counts["published"],
            "dropped": counts["dropped"],
            "missed": counts["planned"] - counts["published"],
            "cadence_target": round(weekly * horizon.weeks_in_month(month)),
        },
    )
