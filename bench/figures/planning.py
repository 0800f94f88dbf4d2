"""The rolling plan (issue 17): a brand with twelve months x 6 channels x daily items (about
2,200 items), four pillars with cadence and a campaign a month.

Targets: the plan for a month (every page of ``plan/items/?from=&to=``, 200 a page) p95 <= 50
ms; the gaps view over twelve months p95 <= 150 ms; a month's review pack built <= 1 s; the
monthly roll over 1,000 brands <= 60 s (brands filled in bulk up to that number, each with a
plan whose last month has items, all rolled one month on the way the worker runs the
scheduler's per-brand messages).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time

from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists, tenant_context

from bench.context import Bench, log
from bench.figures.tenancy import fill_brands
from bench.report import Figure
from bench.stats import percentile, timed

GROUP = "Rolling plan"


def _fill(ctx: Bench, today: date) -> tuple[date, date]:
    from content.models import Channel
    from planning.horizon import add_months, month_start
    from planning.models import Cadence, Campaign, Pillar, PlanItem

    channels = Channel.objects.bulk_create(
        [
            Channel(
                network="instagram",
                handle=f"plan{i}",
                max_length=2200,
                max_hashtags=30,
                links_allowed=False,
            )
            for i in range(6)
        ]
    )
    pillars = Pillar.objects.bulk_create(
        [Pillar(name=f"Pillar {i}", target_share=25) for i in range(4)]
    )
    Cadence.objects.bulk_create([Cadence(channel=c, posts_per_week=7) for c in channels])
    first = month_start(today)
    end = add_months(first, 12)
    Campaign.objects.bulk_create(
        [
            Campaign(
                name=f"Campaign {m}",
                kind="peak" if m % 3 else "campaign",
                starts_on=add_months(first, m) + timedelta(days=9),
                ends_on=add_months(first, m) + timedelta(days=15),
                pillar=pillars[m % 4],
            )
            for m in range(12)
        ]
    )
    days = (end - first).days
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                title=f"Item {n} on {c.handle}",
                planned_on=first + timedelta(days=n),
                channel=c,
                pillar=pillars[(n + k) % 4],
                # Past days went out, the rest is on its way.
                status="published" if first + timedelta(days=n) < today else "planned",
            )
            for n in range(days)
            for k, c in enumerate(channels)
        ],
        batch_size=2000,
    )
    log(f"planning: {PlanItem.objects.count()} items over {days} days on 6 channels")
    return first, end


def _month_pages(client: Client, url: str, start: date, end: date) -> int:
    answer = client.get(url, {"from": str(start), "to": str(end), "page_size": 200})
    assert answer.status_code == 200, answer.content[:300]
    pages = 1
    while answer.json().get("next"):
        answer = client.get(answer.json()["next"])
        pages += 1
    return pages


def run(ctx: Bench) -> list[Figure]:
    from planning.horizon import add_months, local_today
    from planning.models import Review
    from planning.services.packs import build_pack, request_pack

    samples = 5 if ctx.smoke else 30
    brand = ctx.new_brand("plan-bench")
    today = local_today(now=timezone.now(), tz_name=brand.timezone)  # type: ignore[attr-defined]
    with schema_context(brand.schema_name):  # type: ignore[attr-defined]
        first, _end = _fill(ctx, today)
    client = Client()
    client.force_login(ctx.admin)  # type: ignore[attr-defined]
    base = f"/brands/{brand.slug}/api/v1/plan/"  # type: ignore[attr-defined]
    month = add_months(first, 1)
    month_end = add_months(month, 1) - timedelta(days=1)
    with CaptureQueriesContext(connection) as queries:
        pages = _month_pages(client, base + "items/", month, month_end)
    statements = len(queries) / pages
    month_times, month_cpu = [], []
    for _ in range(samples):
        # This process's CPU (the request's own work, less sensitive to others' load than the
        # wall clock on a shared machine).
        cpu = time.process_time()
        month_times.append(timed(lambda: _month_pages(client, base + "items/", month, month_end)))
        month_cpu.append((time.process_time() - cpu) / pages)
    year = {"from": str(today), "to": str(today + timedelta(days=364))}
    assert client.get(base + "gaps/", year).status_code == 200
    gaps_times = [timed(lambda: client.get(base + "gaps/", year)) for _ in range(samples)]

    with schema_context(brand.schema_name):  # type: ignore[attr-defined]
        review = Review.objects.create(period="month", period_start=first)
        pack_times = []
        for _ in range(3):
            generation = request_pack(review_id=review.pk).pack_generation
            pack_times.append(
                timed(
                    lambda g=generation: build_pack(brand=brand, review_id=review.pk, generation=g)
                )
            )

    roll = _roll(ctx)
    scale = "12 months x 6 channels x daily items"
    return [
        Figure(
            group=GROUP,
            name=f"Plan for a month ({pages} page(s) of 200), p95",
            value=percentile(month_times, 95) * 1000,
            unit="ms",
            target=50,
            note=f"median {statistics.median(month_times) * 1000:.1f} ms",
            details=[f"{scale}; {len(month_times)} timed walks of every page, in-process"],
        ),
        Figure(
            group=GROUP,
            name="Plan for a month: this process's CPU a request, median",
            value=statistics.median(month_cpu) * 1000,
            unit="ms",
            note=f"p95 {percentile(month_cpu, 95) * 1000:.1f} ms",
        ),
        Figure(
            group=GROUP,
            name="Plan for a month: statements a request (routing, session, user, role and "
            "throttle included)",
            value=statements,
            unit="statements",
        ),
        Figure(
            group=GROUP,
            name="Gaps view over 12 months, p95",
            value=percentile(gaps_times, 95) * 1000,
            unit="ms",
            target=150,
            details=[f"{scale}; {len(gaps_times)} timed requests, in-process"],
        ),
        Figure(
            group=GROUP,
            name="Review pack built, a month (slowest of 3)",
            value=max(pack_times),
            unit="s",
            target=1.0,
        ),
        *roll,
    ]


def _brands_in_place() -> list:  # type: ignore[type-arg]
    """Active brands whose schema is in place (a create step cut short leaves rows without
    one), as the scheduler's roll_plans_everywhere lists them."""
    from tenants.models import Brand

    return [
        each
        for each in Brand.objects.filter(status=Brand.Status.ACTIVE).exclude(schema_name="public")
        if schema_exists(each.schema_name)
    ]


def _fill_roll_brands(ctx: Bench) -> tuple[int, float]:
    """Brands up to ``plan_roll_brands`` by the bench's bulk fill, in steps of 100 until the
    size or the time cap; returns the brands present and the fill's seconds per brand."""
    from tenants.models import Brand

    wanted = ctx.sizes.plan_roll_brands
    cap = ctx.sizes.plan_roll_fill_seconds_cap
    started, filled, spent = timezone.now(), 0, 0.0
    while (present := Brand.objects.count()) < wanted:
        if (timezone.now() - started).total_seconds() > cap:
            log(f"planning: fill stopped at {present} brands by the {cap:.0f}s cap")
            break
        step = min(wanted, present + 100)
        try:
            spent += fill_brands(ctx, step) * (step - present)
        except OperationalError as exc:  # the shared server's lock table, say: measure what is
            log(f"planning: fill stopped at {present} brands: {exc}".splitlines()[0])
            break
        filled += step - present
    return Brand.objects.count(), spent / filled if filled else 0.0


def _give_plans(brands: list, last_month: date) -> None:  # type: ignore[type-arg]
    """A plan in every brand without one, last rolled in ``last_month``: two channels with
    cadence, two pillars and 20 items in that month (published, dropped, still planned)."""
    from content.models import Channel
    from planning.models import Cadence, Pillar, PlanItem
    from planning.services.roll import roll_plan

    a_month_ago = datetime.combine(last_month + timedelta(days=1), day_time(12), tzinfo=UTC)
    # One brand a transaction: a transaction touching many schemas' tables holds a lock on each
    # until it ends, and the server's lock table is shared by everyone on it.
    for start in range(0, len(brands), 1):
        with transaction.atomic():
            for each in brands[start : start + 1]:
                with tenant_context(each):
                    if Pillar.objects.exists():
                        continue  # the step's own brand: its plan is already there
                    channels = Channel.objects.bulk_create(
                        [
                            Channel(
                                network="instagram",
                                handle=f"roll{i}",
                                max_length=2200,
                                max_hashtags=30,
                                links_allowed=False,
                            )
                            for i in range(2)
                        ]
                    )
                    pillars = Pillar.objects.bulk_create(
                        [Pillar(name=f"Pillar {i}", target_share=50) for i in range(2)]
                    )
                    Cadence.objects.bulk_create(
                        [Cadence(channel=c, posts_per_week=3) for c in channels]
                    )
                    PlanItem.objects.bulk_create(
                        [
                            PlanItem(
                                title=f"Item {n}",
                                planned_on=last_month + timedelta(days=n),
                                channel=channels[n % 2],
                                pillar=pillars[n % 2],
                                status=("published", "dropped", "planned")[n % 3],
                            )
                            for n in range(20)
                        ]
                    )
    for each in brands:  # every plan last rolled a month ago (untimed)
        with tenant_context(each):
            roll_plan(brand=each, now=a_month_ago)


def _roll_as_the_worker(schemas: list[str]) -> int:
    """What one worker thread does with the scheduler's messages, one brand after another:
    the brand context middleware looks the brand up and switches schema, roll_brand_plan's
    function rolls the plan at the real time, the middleware switches back. Returns the
    statements of the first brand's message."""
    from dramatiq import Message

    from planning.tasks import roll_brand_plan
    from tenants.worker import OPTION, BrandContextMiddleware

    middleware = BrandContextMiddleware()
    statements = 0
    for n, schema in enumerate(schemas):
        message: Message = Message(
            queue_name=roll_brand_plan.queue_name,
            actor_name=roll_brand_plan.actor_name,
            args=(),
            kwargs={},
            options={OPTION: schema},
        )
        if n == 0:
            with CaptureQueriesContext(connection) as queries:
                middleware.before_process_message(None, message)  # type: ignore[arg-type]
                roll_brand_plan.fn()
            statements = len(queries)
            log(
                "planning: statements of one brand's roll: "
                + " | ".join(q["sql"][:60] for q in queries.captured_queries)
            )
        else:
            middleware.before_process_message(None, message)  # type: ignore[arg-type]
            roll_brand_plan.fn()
        middleware.after_process_message(None, message)  # type: ignore[arg-type]
    return statements


def _roll(ctx: Bench) -> list[Figure]:
    from planning.horizon import add_months, local_today, month_start
    from planning.models import PlanMonth

    wanted = ctx.sizes.plan_roll_brands
    present, fill_per_brand = _fill_roll_brands(ctx)
    brands = _brands_in_place()
    this = month_start(local_today(now=timezone.now(), tz_name="UTC"))
    last_month = add_months(this, -1)
    took_plans = timed(lambda: _give_plans(brands, last_month))
    log(f"planning: {len(brands)} brands given a plan rolled last month in {took_plans:.1f}s")
    schemas = [each.schema_name for each in brands]
    statements = 0

    def roll_all() -> None:
        nonlocal statements
        statements = _roll_as_the_worker(schemas)

    roll_s = timed(roll_all)
    with schema_context(brands[-1].schema_name):
        closed = PlanMonth.objects.filter(month=last_month, closed_at__isnull=False).count()
    if closed != 1:
        raise RuntimeError(f"The roll did not close {last_month} in {brands[-1].schema_name}")
    again_s = timed(lambda: _roll_as_the_worker(schemas))
    nothing_statements = _roll_as_the_worker(schemas[:1])
    connection.set_schema_to_public()
    n = len(brands)
    log(f"planning: roll of {n} brands one month on in {roll_s:.1f}s, again {again_s:.1f}s")
    projected = n < wanted
    value = roll_s * wanted / n if projected else roll_s
    how = (
        f"{n:,} brands (the bench's bulk fill, {fill_per_brand:.2f} s a brand, plus this step's"
        " brand), each with 2 channels with cadence, 2 pillars and 20 items in last month, last"
        " rolled a month ago (untimed). Timed: one worker thread's way through the scheduler's"
        " messages (roll_plans_everywhere sends one roll_brand_plan per active brand): the"
        " brand context middleware's lookup and schema switch, then the actor's function at"
        " the real time, which closes last month with its counts and adds the thirteenth"
        " month ahead. Messages are taken in turn in the bench process, not through a broker."
    )
    label = f"Monthly roll over {wanted:,} brands (one month on, one worker thread)"
    if projected:
        label += f" (**projected** from {n:,} brands: {roll_s:.1f} s)"
    return [
        Figure(
            group=GROUP,
            name=label,
            value=value,
            unit="s",
            target=60.0,
            note=f"{1000 * roll_s / n:.1f} ms a brand",
            details=[how],
        ),
        Figure(
            group=GROUP,
            name=f"Hourly roll with nothing to do, {n:,} brands (same worker path)",
            value=again_s,
            unit="s",
            note=f"{1000 * again_s / n:.1f} ms a brand",
        ),
        Figure(
            group=GROUP,
            name="Statements per brand, monthly roll (middleware lookup + roll)",
            value=statements,
            unit="statements",
            baseline=nothing_statements,
            baseline_label="same, nothing to do",
        ),
    ]
