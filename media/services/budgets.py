"""Monthly media budgets, and the rule that a boost must fit in what is left of them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from media import pacing, selectors
from media.errors import BudgetExceeded, MediaError
from media.models import MonthlyBudget
from media.money import format_money, has_minor_precision, is_currency
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.selectors import current_brand


def set_monthly_budget(
    *, month: date, amount: Decimal, currency: str | None = None
) -> MonthlyBudget:
    """Set (or replace) what the brand may commit to boosts in ``month`` in ``currency`` (the
    brand's own unless given)."""
    currency = currency or current_brand().currency
    if not is_currency(currency):
        raise MediaError(f"'{currency}' is not an ISO 4217 currency code.", field="currency")
    if amount < 0:
        raise MediaError("A monthly budget cannot be negative.", field="amount")
    if not has_minor_precision(amount, currency):
        raise MediaError(f"{amount} has more decimals than {currency} has.", field="amount")
    with transaction.atomic():
        month = month.replace(day=1)
        budget, created = MonthlyBudget.objects.select_for_update().get_or_create(
            month=month, currency=currency, defaults={"amount": amount}
        )
        audit.record(
            action=AuditAction.BUDGET_SET,
            subject=budget,
            before=None if created else {"amount": budget.amount},
            after={"amount": amount},
        )
        if not created and budget.amount != amount:
            budget.amount = amount
            budget.save(update_fields=["amount"])
    return budget


def reserve_budget(
    *, schedule: pacing.Schedule, tz: ZoneInfo, exclude_boost_id: int | None = None
) -> None:
    """Refuse a boost whose budget does not fit in what is left of each month it runs in.

    Must run inside the transaction that saves the boost: the month rows stay locked until it
    commits, so two proposals at once cannot both take the last of a budget.
    """
    shares = pacing.allocate_by_month(schedule, schedule.total)
    months = sorted(shares)
    budgets = {
        b.month: b
        for b in MonthlyBudget.objects.select_for_update()
        .filter(currency=schedule.currency, month__in=months)
        .order_by("month")
    }
    held = selectors.committed_by_month(
        currency=schedule.currency, months=months, tz=tz, exclude_boost_id=exclude_boost_id
    )
    for month in months:
        budget = budgets.get(month)
        if budget is None:
            raise BudgetExceeded(
                f"There is no {schedule.currency} media budget for {month:%Y-%m}; "
                "set one before proposing boosts in that month.",
                field="budget_total",
            )
        left = budget.amount - held[month]
        if shares[month] > left:
            currency = schedule.currency
            raise BudgetExceeded(
                f"This boost needs {format_money(shares[month], currency)} of the "
                f"{month:%Y-%m} media budget but only "
                f"{format_money(max(left, Decimal(0)), currency)} is left of "
                f"{format_money(budget.amount, currency)}.",
                field="budget_total",
            )
