"""The trigger evaluation's public index: which brands have new inputs since the last cycle and
when each brand's time-based triggers are next due (``BrandTriggerDue``).

Signal ingest marks its brand in the same transaction that stores the signals; saving a trigger
and judging one copy the brand's earliest ``next_check_at`` here. The every-minute cycle then
reads only the due rows through partial indexes, so its cost follows the brands (and inside
them the rules) whose inputs changed or whose time came, not all rules of all brands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from listening.models import TIME_BASED, Trigger
from listening.schedule.models import BrandTriggerDue
from tenants.selectors import current_brand

# A claimed brand comes back after this long if the cycle that took it died before it
# finished (its time-based triggers are judged again; their claim lets one firing through).
LEASE = timedelta(minutes=5)
CYCLE_LIMIT = 1000


def mark_inputs_changed(*, now: datetime) -> None:
    """Put the current brand in the next cycle: it has new inputs. A brand already marked is
    left alone (no write, no lock held for the rest of the caller's transaction)."""
    table = BrandTriggerDue._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO public.{table} (brand_id, inputs_changed_at) VALUES (%s, %s)
            ON CONFLICT (brand_id) DO UPDATE SET inputs_changed_at = EXCLUDED.inputs_changed_at
            WHERE {table}.inputs_changed_at IS NULL
            """,
            [current_brand().pk, now],
        )


def sync_next_check() -> None:
    """Copy the current brand's earliest enabled time-based ``next_check_at`` into the public
    index. The index row is locked before the minimum is read, so two concurrent changes never
    leave a later time than the true one behind."""
    brand_id = current_brand().pk
    with transaction.atomic():
        BrandTriggerDue.objects.bulk_create(
            [BrandTriggerDue(brand_id=brand_id)], ignore_conflicts=True
        )
        BrandTriggerDue.objects.select_for_update().filter(brand_id=brand_id).values_list(
            "pk"
        ).get()
        earliest = (
            Trigger.objects.filter(
                enabled=True, condition__in=TIME_BASED, next_check_at__isnull=False
            )
            .order_by("next_check_at")
            .values_list("next_check_at", flat=True)
            .first()
        )
        BrandTriggerDue.objects.filter(brand_id=brand_id).update(next_check_at=earliest)


@dataclass(frozen=True)
class DueBrand:
    brand_id: int
    inputs_changed: bool


def claim_due_brands(*, now: datetime, limit: int = CYCLE_LIMIT) -> list[DueBrand]:
    """Take the brands due at ``now`` for this cycle: their new-inputs mark is cleared and
    their next check leased, in one transaction with SKIP LOCKED, so a cycle running at the
    same time takes other brands (or none) and never judges the same new inputs twice."""
    with transaction.atomic():
        rows = list(
            BrandTriggerDue.objects.select_for_update(skip_locked=True)
            .filter(Q(inputs_changed_at__isnull=False) | Q(next_check_at__lte=now))
            .order_by("brand_id")
            .values_list("brand_id", "inputs_changed_at")[:limit]
        )
        if rows:
            BrandTriggerDue.objects.filter(brand_id__in=[r[0] for r in rows]).update(
                inputs_changed_at=None, next_check_at=now + LEASE
            )
    return [DueBrand(brand_id=b, inputs_changed=changed is not None) for b, changed in rows]
