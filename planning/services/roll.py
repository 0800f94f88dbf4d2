"""The monthly roll: the plan always covers the current month and the twelve after it. Each
run adds the months missing at the far end and closes the months that have passed with what
became of their items. Safe to run twice: a second run finds nothing to add or close."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
    under the plan row's lock (two rolls at once: the second waits and finds nothing to do).

    A fixed number of statements however many months it adds or closes (the scheduler runs
    this for every brand each hour): the plan row locked, the months read, the past months'
    items counted in one grouped query, the cadence summed, every added and closed month
    written in one upsert and the plan stamped. A run with nothing to do writes only the
    stamp."""
    now = now or timezone.now()
    first, end = horizon.covered(horizon.local_today(now=now, tz_name=brand.timezone))
    with transaction.atomic():
        plan = lock_plan()
        rows = dict(PlanMonth.objects.order_by().values_list("month", "closed_at"))
        added = [m for m in horizon.months_between(first, end) if m not in rows]
        closed = [m for m, closed_at in rows.items() if closed_at is not None]
        # What became of the items of every past month not closed yet, including months the
        # plan has items in but no row for (items placed before the first roll).
        counts = {
            row["month"]: row
            for row in PlanItem.objects.filter(planned_on__lt=first)
            .annotate(month=TruncMonth("planned_on"))
            .exclude(month__in=closed)
            .values("month")
            .annotate(
                planned=Count("pk", filter=~Q(status=ItemStatus.DROPPED)),
                published=Count("pk", filter=Q(status__in=ITEM_DELIVERED)),
                dropped=Count("pk", filter=Q(status=ItemStatus.DROPPED)),
            )
            .order_by()
        }
        to_close = sorted(
            {m for m, closed_at in rows.items() if m < first and closed_at is None} | set(counts)
        )
        months = [PlanMonth(month=m) for m in added]
        if to_close:
            weekly = Cadence.objects.aggregate(total=Sum("posts_per_week"))["total"] or 0
            months += [
                _closed(month=m, counts=counts.get(m), weekly=weekly, now=now) for m in to_close
            ]
        if months:
            PlanMonth.objects.bulk_create(
                months,
                update_conflicts=True,
                unique_fields=["month"],
                update_fields=[*CLOSING_FIELDS],
            )
        plan.rolled_at = now
        plan.save(update_fields=["rolled_at"])
    return RollOutcome(added=added, closed=to_close)


# What closing a month writes on its row (an existing row is updated in place).
CLOSING_FIELDS = ("closed_at", "planned", "published", "dropped", "missed", "cadence_target")


def _closed(
    *, month: date, counts: Mapping[str, Any] | None, weekly: int, now: datetime
) -> PlanMonth:
    planned = counts["planned"] if counts else 0
    published = counts["published"] if counts else 0
    return PlanMonth(
        month=month,
        closed_at=now,
        planned=planned,
        published=published,
        dropped=counts["dropped"] if counts else 0,
        missed=planned - published,
        cadence_target=round(weekly * horizon.weeks_in_month(month)),
    )
