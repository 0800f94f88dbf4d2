"""Tokens, estimated cost and the brand's monthly AI budget (calendar month, UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from content.errors import BudgetExceeded
from content.models import AssistantSettings, GenerationJob

THOUSAND = Decimal(1000)


def cost_for(*, tokens_in: int, tokens_out: int) -> Decimal:
    """Estimated price of a call in USD at the platform's per-1,000-token prices."""
    cost = (
        Decimal(tokens_in) * settings.AI_PRICE_PER_1K_INPUT
        + Decimal(tokens_out) * settings.AI_PRICE_PER_1K_OUTPUT
    ) / THOUSAND
    return cost.quantize(Decimal("0.000001"))


def month_start(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def budget_for(brand_settings: AssistantSettings) -> Decimal | None:
    """The brand's monthly budget in USD, or None for no limit."""
    if brand_settings.monthly_budget is not None:
        return brand_settings.monthly_budget
    budget: Decimal | None = settings.AI_MONTHLY_BUDGET
    return budget


@dataclass(frozen=True)
class MonthUsage:
    month: str
    jobs: int
    tokens_in: int
    tokens_out: int
    cost: Decimal
    budget: Decimal | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else max(Decimal(0), self.budget - self.cost)


def month_usage(*, brand_settings: AssistantSettings, now: datetime) -> MonthUsage:
    """The brand's AI use this calendar month against its budget."""
    start = month_start(now)
    totals = GenerationJob.objects.filter(created_at__gte=start).aggregate(
        jobs=Count("id"),
        tokens_in=Coalesce(Sum("tokens_in"), 0),
        tokens_out=Coalesce(Sum("tokens_out"), 0),
        cost=Coalesce(Sum("cost_estimate"), Decimal(0)),
    )
    return MonthUsage(
        month=start.strftime("%Y-%m"),
        jobs=totals["jobs"],
        tokens_in=totals["tokens_in"],
        tokens_out=totals["tokens_out"],
        cost=Decimal(totals["cost"]).quantize(Decimal("0.000001")),
        budget=budget_for(brand_settings),
    )


def ensure_budget_left(*, brand_settings: AssistantSettings, now: datetime) -> None:
    """Refuse a new job once this month's spend has reached the brand's budget."""
    usage = month_usage(brand_settings=brand_settings, now=now)
    if usage.budget is not None and usage.cost >= usage.budget:
        raise BudgetExceeded(
            f"This brand has used its monthly AI budget ({usage.cost:.2f} of "
            f"{usage.budget:.2f} USD in {usage.month}). New drafts can be generated when a "
            "brand lead raises the budget or the month turns; hand-written drafts still work."
        )
