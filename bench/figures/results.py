"""Results and KPIs (issue 16): KPI actuals and the results page over a brand with a year of
daily snapshots for 5,000 posts on 10 channels, and ingesting 100,000 snapshots through the
batch endpoint.

Targets: 20 KPIs' actuals p95 <= 200 ms; the results page p95 <= 300 ms; 100,000 snapshots
ingested in <= 60 s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from bench.context import Bench, log
from bench.report import Figure
from bench.stats import percentile, timed

GROUP = "Results and KPIs"
POST_COUNTERS = ("impressions", "reach", "reactions", "comments", "shares", "saves")


def _fill(ctx: Bench, brand: object) -> tuple[list[int], list[int]]:
    """Channels, published posts and a daily snapshot per post per day, in bulk SQL; then the
    rollup and totals the ingestion service keeps. Returns channel ids and new post ids."""
    from content.models import Channel, Draft
    from results.models import PostSnapshot
    from results.services import ingest

    sizes = ctx.sizes
    now = timezone.now()
    first_day = now - timedelta(days=sizes.results_days)
    channels = Channel.objects.bulk_create(
        [
            Channel(
                network="instagram",
                handle=f"bench{i}",
                max_length=2200,
                max_hashtags=30,
                links_allowed=False,
            )
            for i in range(sizes.results_channels)
        ]
    )
    channel_ids = [c.pk for c in channels]
    Draft.objects.bulk_create(
        [
            Draft(
                kind="post",
                text=f"Bench post {i}",
                status="published",
                channel_id=channel_ids[i % len(channel_ids)],
                external_id=f"bench-{i}",
                published_at=first_day - timedelta(hours=1),
            )
            for i in range(sizes.results_posts)
        ],
        batch_size=2000,
    )
    table = PostSnapshot._meta.db_table
    counters = ", ".join(POST_COUNTERS)
    growth = ", ".join(f"d_{c}" for c in POST_COUNTERS)
    # Day n: lifetime counters n x (a per-post step), growth one step a day.
    values = ", ".join(f"n * (d.id %% 7 + {k + 1})" for k in range(len(POST_COUNTERS)))
    steps = ", ".join(f"d.id %% 7 + {k + 1}" for k in range(len(POST_COUNTERS)))
    took = timed(
        lambda: connection.cursor().execute(
            f"""
            INSERT INTO {table} (draft_id, observed_at, is_correction, {counters},
                link_clicks, video_views, {growth}, d_link_clicks, d_video_views,
                created_at, updated_at)
            SELECT d.id, %s + (n || ' days')::interval, false, {values}, 0, 0, {steps}, 0, 0,
                now(), now()
            FROM content_draft d CROSS JOIN generate_series(1, %s) AS n
            WHERE d.external_id LIKE 'bench-%%'
            """,
            [first_day, sizes.results_days],
        )
    )
    log(f"results: {sizes.results_posts * sizes.results_days} snapshots in {took:.1f}s")
    tz = ZoneInfo(brand.timezone)  # type: ignore[attr-defined]
    days = {
        (first_day + timedelta(days=n)).astimezone(tz).date() for n in range(sizes.results_days + 2)
    }
    took = timed(lambda: ingest.rebuild_days(tz=tz, days=days))
    log(f"results: rollup of {len(days)} days in {took:.1f}s")
    ingest._refresh_totals(
        list(Draft.objects.filter(external_id__startswith="bench-").values_list("id", flat=True))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO results_channelday (channel_id, day, followers, profile_visits, mentions,
                positive_mentions, neutral_mentions, negative_mentions, created_at, updated_at)
            SELECT c, (%s::date + n), 1000 + n * 3, n %% 40, 20, 10, 7, 3, now(), now()
            FROM unnest(%s::bigint[]) AS c CROSS JOIN generate_series(0, %s) AS n
            """,
            [first_day.astimezone(tz).date(), channel_ids, sizes.results_days],
        )
        cursor.execute("ANALYZE")
    fresh = Draft.objects.bulk_create(
        [
            Draft(
                kind="post",
                text=f"Ingest post {i}",
                status="published",
                channel_id=channel_ids[i % len(channel_ids)],
                external_id=f"ingest-{i}",
                published_at=now - timedelta(days=10),
            )
            for i in range(1000 if not ctx.smoke else 100)
        ]
    )
    return channel_ids, [d.pk for d in fresh]


def _kpis(channel_ids: list[int], owner_id: int) -> None:
    from results.models import Department, DepartmentMember
    from results.services import kpis

    marketing = Department.objects.get(name="Marketing")
    DepartmentMember.objects.get_or_create(department=marketing, user_id=owner_id)
    plans = [
        ("engagements", "week", {}),
        ("engagements", "month", {"channel": channel_ids[0]}),
        ("engagement_rate", "quarter", {}),
        ("engagement_rate", "week", {"channel": channel_ids[-1]}),
        ("impressions", "month", {}),
        ("reach", "quarter", {}),
        ("click_through_rate", "month", {}),
        ("shares", "week", {}),
        ("saves", "quarter", {"channel": channel_ids[0]}),
        ("posts_published", "month", {}),
        ("followers", "quarter", {}),
        ("follower_growth", "month", {"channel": channel_ids[0]}),
        ("negative_mention_share", "week", {}),
        ("mentions", "month", {}),
        ("median_reply_minutes", "week", {}),
        ("replies_in_time_share", "month", {}),
        ("median_signoff_minutes_post", "month", {}),
        ("novelty_rejections", "quarter", {}),
        ("ai_cost_per_post", "month", {}),
        ("paid_results", "quarter", {}),
    ]
    for i, (metric, period, scope) in enumerate(plans):
        kpis.create_kpi(
            name=f"KPI {i} {metric}",
            metric=metric,
            period=period,
            direction="at_least",
            target=Decimal(10),
            department_id=marketing.pk,
            owner_id=owner_id,
            actor_id=owner_id,
            scope=scope,
        )


def _ingest(ctx: Bench, brand: object, fresh: list[int]) -> tuple[float, int]:
    from tenants import services

    _key, secret = services.create_api_key(
        brand=brand,
        name="bench-integrator",
        scopes=["ingest:metrics"],  # type: ignore[arg-type]
    )
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    url = f"/brands/{brand.slug}/api/v1/results/post-snapshots/"  # type: ignore[attr-defined]
    total = ctx.sizes.results_ingest_snapshots
    posts = len(fresh)
    start = datetime.now(UTC) - timedelta(days=9)
    sent = 0
    batches = []
    hour = 0
    while sent < total:
        for offset in range(0, posts, 500):
            chunk = range(offset, min(offset + 500, posts, offset + total - sent))
            at = (start + timedelta(hours=hour)).isoformat()
            batches.append(
                {
                    "snapshots": [
                        {
                            "external_id": f"ingest-{i}",
                            "observed_at": at,
                            "impressions": 100 * (hour + 1),
                            "reactions": 5 * (hour + 1),
                            "comments": hour,
                        }
                        for i in chunk
                    ]
                }
            )
            sent += len(chunk)
            if sent >= total:
                break
        hour += 1

    def send() -> None:
        for body in batches:
            answer = client.post(url, body, content_type="application/json")
            assert answer.status_code == 200, answer.content[:300]

    return timed(send), sent


def run(ctx: Bench) -> list[Figure]:
    from results.selectors.kpis import kpi_reports

    brand = ctx.new_brand("results-bench")
    with schema_context(brand.schema_name):  # type: ignore[attr-defined]
        channel_ids, fresh = _fill(ctx, brand)
        _kpis(channel_ids, ctx.admin.pk)  # type: ignore[attr-defined]
        tz = ZoneInfo(brand.timezone)  # type: ignore[attr-defined]
        kpi_reports(tz=tz, now=timezone.now())  # warm-up
        with CaptureQueriesContext(connection) as captured:
            kpi_reports(tz=tz, now=timezone.now())
        kpi_queries = len(captured.captured_queries)
        kpi_times = [
            timed(lambda: kpi_reports(tz=tz, now=timezone.now()))
            for _ in range(ctx.sizes.results_samples)
        ]
    client = Client()
    client.force_login(ctx.admin)
    page = f"/brands/{brand.slug}/results/"  # type: ignore[attr-defined]
    assert client.get(page).status_code == 200
    page_times = [timed(lambda: client.get(page)) for _ in range(ctx.sizes.results_samples)]
    with schema_context(brand.schema_name):  # type: ignore[attr-defined]
        ingest_s, sent = _ingest(ctx, brand, fresh)
    snapshots = ctx.sizes.results_posts * ctx.sizes.results_days
    scale = (
        f"{ctx.sizes.results_posts:,} posts x {ctx.sizes.results_days} days = {snapshots:,} "
        f"snapshots on {ctx.sizes.results_channels} channels"
    )
    return [
        Figure(
            group=GROUP,
            name="KPI actuals, 20 KPIs (the last three months + current period), p95",
            value=percentile(kpi_times, 95) * 1000,
            unit="ms",
            target=200,
            details=[
                f"{scale}; {len(kpi_times)} timed calls of kpi_reports() in-process, "
                f"{kpi_queries} queries each: one grouped query per source and period kind "
                "with a FILTER aggregate per KPI, plus the KPIs, their targets and the reply "
                "deadline (organic figures from the daily rollup).",
            ],
        ),
        Figure(
            group=GROUP,
            name="Results page (20 KPI cards and charts), p95",
            value=percentile(page_times, 95) * 1000,
            unit="ms",
            target=300,
            details=[f"{scale}; {len(page_times)} GETs, Django test Client, session sign-in."],
        ),
        Figure(
            group=GROUP,
            name=f"Ingesting {sent:,} post snapshots through the batch endpoint",
            value=ingest_s * (100_000 / sent),
            unit="s per 100,000",
            target=60,
            details=[
                f"{sent:,} snapshots in batches of 500 for {len(fresh):,} posts took "
                f"{ingest_s:.1f}s (scaled to 100,000); API key, in-process Django test Client.",
            ],
        ),
    ]
