"""The plan row: the lock changes that must see each other take (pillar targets, the roll),
and the plan-wide settings it holds."""

from __future__ import annotations

from django.db import transaction

from planning.errors import PlanningError
from planning.models import Plan


def lock_plan() -> Plan:
    """Lock the brand's plan row until the transaction ends, creating it on first use (call
    inside ``transaction.atomic``). Two creators at once both end up locking the one row."""
    plan = Plan.objects.select_for_update().filter(pk=1).first()
    if plan is None:  # first use: create it (or find another creator's) and lock that
        Plan.objects.bulk_create([Plan(pk=1)], ignore_conflicts=True)
        plan = Plan.objects.select_for_update().get(pk=1)
    return plan


# Production lead times (days before the publish day) a plan may set.
MAX_LEAD_DAYS = 90


def update_plan_settings(
    *,
    owner_weekly_capacity: int | None = None,
    brief_lead_days: int | None = None,
    draft_lead_days: int | None = None,
    signoff_lead_days: int | None = None,
) -> Plan:
    """Change the settings given: how many items one owner can carry in a week (the gaps view
    names owners above it) and the production lead times, which must keep brief before draft
    before sign-off. Nothing is saved if any value is refused."""
    if owner_weekly_capacity is not None and not 1 <= owner_weekly_capacity <= 100:
        raise PlanningError(
            "Give a capacity from 1 to 100 items a week.", field="owner_weekly_capacity"
        )
    given = {
        "brief_lead_days": brief_lead_days,
        "draft_lead_days": draft_lead_days,
        "signoff_lead_days": signoff_lead_days,
    }
    for field, days in given.items():
        if days is not None and not 0 <= days <= MAX_LEAD_DAYS:
            raise PlanningError(
                f"Give {field} from 0 to {MAX_LEAD_DAYS} days before the publish day.",
                field=field,
            )
    with transaction.atomic():
        plan = lock_plan()
        changed = {name: value for name, value in given.items() if value is not None}
        if owner_weekly_capacity is not None:
            changed["owner_weekly_capacity"] = owner_weekly_capacity
        for name, value in changed.items():
            setattr(plan, name, value)
        _check_lead_order(plan, given)
        plan.save(update_fields=list(changed))
        return plan


def _check_lead_order(plan: Plan, given: dict[str, int | None]) -> None:
    """Brief is due first, then the draft, then sign-off; the error names the field the
    request gave (the later one of a pair if it gave both)."""
    pairs = (("brief_lead_days", "draft_lead_days"), ("draft_lead_days", "signoff_lead_days"))
    for earlier, later in pairs:
        if getattr(plan, earlier) < getattr(plan, later):
            field = later if given[later] is not None or given[earlier] is None else earlier
            raise PlanningError(
                f"{later} ({getattr(plan, later)}) cannot be more than {earlier} "
                f"({getattr(plan, earlier)}): the brief is due before the draft, the draft "
                "before sign-off.",
                field=field,
            )
