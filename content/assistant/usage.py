"""Tokens, estimated cost and the brand's monthly AI budget (calendar month, UTC).

A job reserves its maximum cost when it is accepted (every call at the token caps, every
attempt); while it is queued or running that reservation counts as spent, and once it finishes
only what it really cost does. Accepting happens under a lock on the brand's settings row, so
concurrent requests cannot together commit more than the budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import Coalesce, Greatest

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


def max_cost_of_call() -> Decimal:
    """The most one model call can cost under the prompt and output caps."""
    return cost_for(
        tokens_in=settings.AI_MAX_PROMPT_TOKENS, tokens_out=settings.AI_MAX_OUTPUT_TOKENS
    )


def max_calls(*, variants: int, judge: bool) -> int:
    """Calls one attempt can make: the first, one regeneration per variant, and the judge's
    look at each delivered variant."""
    return 1 + variants + (variants if judge else 0)


def reservation_for(*, variants: int, judge: bool, offline: bool) -> Decimal:
    """What a job must reserve against the budget: its maximum cost over every attempt (with
    an embeddings model, two comparisons per variant, each within the prompt cap)."""
    if offline:
        return Decimal(0)
    per_attempt = max_cost_of_call() * max_calls(variants=variants, judge=judge)
    if settings.AI_EMBEDDING_MODEL:
        embedding = cost_for(tokens_in=settings.AI_MAX_PROMPT_TOKENS, tokens_out=0)
        per_attempt += embedding * 2 * variants
    return (per_attempt * settings.AI_JOB_MAX_ATTEMPTS).quantize(Decimal("0.000001"))


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
    held: Decimal = Decimal(0)  # of ``cost``: reservations of jobs still queued or running

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else max(Decimal(0), self.budget - self.cost)


@dataclass(frozen=True)
class SpendSource:
    """A model whose rows are AI calls paid from the same monthly budget as generation jobs
    (an app above content asking the assistant for something else, such as alt text). Its
    rows carry ``status``, ``cost_reserved``, ``cost_estimate``, ``tokens_in``, ``tokens_out``
    and ``created_at`` with the meaning they have on a job; ``open_statuses`` hold their
    reservation."""

    model: Any
    open_statuses: tuple[str, ...]


_SPEND_SOURCES: list[SpendSource] = [
    SpendSource(
        model=GenerationJob,
        open_statuses=(GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING),
    )
]


def register_spend_source(source: SpendSource) -> None:
    """Count another model's AI calls against the brand's budget (called from an app's
    ``ready``; registering twice is harmless)."""
    if all(s.model is not source.model for s in _SPEND_SOURCES):
        _SPEND_SOURCES.append(source)


def _totals(sources: Iterable[SpendSource], start: datetime) -> dict[str, Any]:
    totals: dict[str, Any] = {
        "held": Decimal(0),
        "jobs": 0,
        "tokens_in": 0,
        "tokens_out": 0,
        "cost": Decimal(0),
    }
    for source in sources:
        # An open (queued or running) row holds its reservation, or more if it somehow spent
        # more; a finished one counts what it cost.
        is_open = Q(status__in=list(source.open_statuses))
        holds = Greatest(F("cost_reserved"), F("cost_estimate"))
        row = source.model.objects.filter(created_at__gte=start).aggregate(
            held=Coalesce(Sum(Case(When(is_open, then=holds), default=Decimal(0))), Decimal(0)),
            jobs=Count("id"),
            tokens_in=Coalesce(Sum("tokens_in"), 0),
            tokens_out=Coalesce(Sum("tokens_out"), 0),
            cost=Coalesce(
                Sum(Case(When(is_open, then=holds), default=F("cost_estimate"))), Decimal(0)
            ),
        )
        for key in totals:
            totals[key] += row[key]
    return totals


def month_usage(*, brand_settings: AssistantSettings, now: datetime) -> MonthUsage:
    """The brand's AI use this calendar month against its budget: generation jobs and every
    registered spend source (``register_spend_source``)."""
    start = month_start(now)
    totals = _totals(_SPEND_SOURCES, start)
    return MonthUsage(
        month=start.strftime("%Y-%m"),
        jobs=totals["jobs"],
        tokens_in=totals["tokens_in"],
        tokens_out=totals["tokens_out"],
        cost=Decimal(totals["cost"]).quantize(Decimal("0.000001")),
        budget=budget_for(brand_settings),
        held=Decimal(totals["held"]).quantize(Decimal("0.000001")),
    )


def ensure_budget_left(
    *, brand_settings: AssistantSettings, now: datetime, reserve: Decimal = Decimal(0)
) -> None:
    """Refuse a new job once this month's spend (finished jobs' cost plus open jobs'
    reservations) has reached the brand's budget or would pass it with ``reserve`` more.
    Call it with the settings row locked, and create the job in the same transaction."""
    usage = month_usage(brand_settings=brand_settings, now=now)
    if usage.budget is None:
        return
    if usage.cost >= usage.budget or usage.cost + reserve > usage.budget:
        raise BudgetExceeded(
            f"This brand's monthly AI budget does not cover another job ({usage.cost:.4f} of "
            f"{usage.budget:.2f} USD spent or held by running jobs in {usage.month}; a job "
            f"holds up to {reserve:.4f} until it finishes). New drafts can be generated when "
            "running jobs finish, a brand lead raises the budget or the month turns; "
            "hand-written drafts still work."
        )
