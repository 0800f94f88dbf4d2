"""The plan row: the lock changes that must see each other take (pillar targets, the roll),
and the plan-wide settings it holds."""

from __future__ import annotations

from django.db import transaction

from planning.errors import PlanningError
from planning.models import Plan


def lock_plan() -> Plan:
    """Lock the brand's plan row until the transaction ends, creating it on first use (call
    inside ``transaction.atomic``). Two creators at once both end up locking the one row."""
    Plan.objects.bulk_create([Plan(pk=1)], ignore_conflicts=True)
    return Plan.objects.select_for_update().get(pk=1)


def update_plan_settings(*, owner_weekly_capacity: int) -> Plan:
    """Set how many items one owner can carry in a week (the gaps view names owners above it)."""
    if not 1 <= owner_weekly_capacity <= 100:
        raise PlanningError(
            "Give a capacity from 1 to 100 items a week.", field="owner_weekly_capacity"
        )
    with transaction.atomic():
        plan = lock_plan()
        plan.owner_weekly_capacity = owner_weekly_capacity
        plan.save(update_fields=["owner_weekly_capacity"])
        return plan
