"""The rolling plan (issue 17): a brand with twelve months x 6 channels x daily items (about
2,200 items), four pillars with cadence and a campaign a month.

Targets: the plan for a month (every page of ``plan/items/?from=&to=``, 200 a page) p95 <= 50
ms; the gaps view over twelve months p95 <= 150 ms; a month's review pack built <= 1 s; the
monthly roll over 1,000 brands <= 60 s (here: every brand the run has, rolled one month on).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists, tenant_context

from bench.context import Bench, log
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
    from planning.services.roll import roll_plan
    from tenants.models import Brand

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
    pages = _month_pages(client, base + "items/", month, month_end)
    month_times = [
        timed(lambda: _month_pages(client, base + "items/", month, month_end))
        for _ in range(samples)
    ]
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

    # Brands whose schema is in place (a create step cut short leaves rows without one).
    brands = [
        each
        for each in Brand.objects.filter(status=Brand.Status.ACTIVE).exclude(schema_name="public")
        if schema_exists(each.schema_name)
    ]
    for each in brands:  # bring every plan to today first (untimed)
        with tenant_context(each):
            roll_plan(brand=each)
    next_month = timezone.now() + timedelta(days=31)

    def roll_all() -> None:
        for each in brands:
            with tenant_context(each):
                roll_plan(brand=each, now=next_month)

    roll_s = timed(roll_all)
    log(f"planning: roll of {len(brands)} brands one month on in {roll_s:.1f}s")
    scale = "12 months x 6 channels x daily items"
    return [
        Figure(
            group=GROUP,
            name=f"Plan for a month ({pages} page(s) of 200), p95",
            value=percentile(month_times, 95) * 1000,
            unit="ms",
            target=50,
            details=[f"{scale}; {len(month_times)} timed walks of every page, in-process"],
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
        Figure(
            group=GROUP,
            name=f"Monthly roll over {len(brands):,} brands (one month on)",
            value=roll_s,
            unit="s",
            target=60.0,
            note="" if len(brands) >= 1000 else f"only {len(brands)} brands in this run",
        ),
    ]
