"""The plan row: the lock changes that must see each other take (pillar targets, the roll)."""

from __future__ import annotations

from planning.models import Plan


def lock_plan() -> Plan:
    """Lock the brand's plan row until the transaction ends, creating it on first use (call
    inside ``transaction.atomic``). Two creators at once both end up locking the one row."""
    Plan.objects.bulk_create([Plan(pk=1)], ignore_conflicts=True)
    return Plan.objects.select_for_update().get(pk=1)
