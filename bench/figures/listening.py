"""Listening at scale (issue 18): ingesting signals through the batch endpoint, a 28-day
windowed aggregate over a year of signals, and one trigger evaluation cycle over many brands.

Targets: 1,000,000 signals for one brand in batches of 1,000 in <= 120 s; the 28-day aggregate
p95 <= 100 ms; one cycle with 10 rules in each of 1,000 brands, 1 % of them with new inputs,
<= 2 s.

- Ingest: the product's endpoint (``POST listening/signals/``) in-process through Django's test
  Client with an integrator's API key, as the results step ingests snapshots: the real
  middleware, authentication, serializer, service and SQL (one INSERT per batch, the hourly
  rollup kept by its statement trigger), without a socket. Loops stop at a count and a time cap;
  a capped run reports the rate projected to the full count, labelled so.
- Aggregate: a second brand gets a year of signals in one ``INSERT ... SELECT`` (the rollup's
  trigger switched off), the rollup is then built by the migration's own backfill (timed), and
  ``GET listening/aggregates/`` by day and topic over 28-day windows spread over the year is
  timed; the same windows counted from the signals alone (the computation before the rollup)
  are the baseline.
- Cycle: brands filled in bulk as the other steps do, 10 rules each (threshold and baseline
  conditions, none reaching its threshold, so the figure is the judging), 1 % of the brands
  receive a batch of signals through the ingest service (which marks the due index), and
  ``evaluate_due_brands`` (the every-minute cycle's service) is timed.
"""

from __future__ import annotations

import importlib
import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Trunc
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from bench.context import Bench, log
from bench.report import Figure
from bench.stats import median, percentile, timed

GROUP = "Listening"
INGEST_TARGET_S = 120.0
AGGREGATE_TARGET_MS = 100.0
CYCLE_TARGET_S = 2.0
BATCH = 1000
KINDS = ("mention", "engagement", "purchase", "site_visit")
SOURCES = ("instagram", "tiktok", "shop", "web", "app")
TOPICS = tuple(f"topic {i}" for i in range(20))


def _batch(number: int, now: datetime) -> dict[str, object]:
    """Batch ``number`` of 1,000 signals, observed over the last 9 days (short texts)."""
    first = number * BATCH
    return {
        "signals": [
            {
                "kind": KINDS[i % len(KINDS)],
                "source": SOURCES[i % len(SOURCES)],
                "external_id": f"s-{i}",
                "observed_at": (now - timedelta(seconds=(i * 7) % (9 * 86400))).isoformat(),
                "topic": TOPICS[i % len(TOPICS)],
                "value": (i % 13) + 1,
                "sentiment": ((i % 21) - 10) / 10,
                "text": f"Loved the oat latte at store {i % 97}",
            }
            for i in range(first, first + BATCH)
        ]
    }


def _ingest(ctx: Bench, brand: object) -> tuple[float, int, bool, list[float], list[float]]:
    """(seconds, signals sent, stopped by the time cap, seconds per batch, this process's CPU
    seconds per batch). The CPU time barely moves with the machine's load, the wall time does;
    PostgreSQL's own work is in the wall time only."""
    from tenants import services

    _key, secret = services.create_api_key(
        brand=brand,
        name="bench-signals",
        scopes=["ingest:signals"],  # type: ignore[arg-type]
    )
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    path = f"/brands/{brand.slug}/api/v1/listening/signals/"  # type: ignore[attr-defined]
    batches = ctx.sizes.listening_ingest_signals // BATCH
    now = timezone.now()
    took: list[float] = []
    cpu: list[float] = []
    for number in range(batches):
        body = _batch(number, now)
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post(path, body, content_type="application/json")
        took.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.content[:300]
        if sum(took) > ctx.sizes.listening_ingest_seconds_cap:
            break
    return sum(took), len(took) * BATCH, len(took) < batches, took, cpu


FILL_SQL = """
INSERT INTO {table} (kind, source, external_id, topic, value, sentiment, text,
    post_external_id, from_own_output, injection_signals, attributes, observed_at, received_at)
SELECT (ARRAY{kinds})[1 + g %% {n_kinds}], (ARRAY{sources})[1 + g %% {n_sources}],
    'y-' || g, 'topic ' || (g %% 20), 1 + g %% 13, ((g %% 21) - 10) / 10.0, '', '', false,
    '[]', '{{}}', %(start)s::timestamptz + (g * %(step)s) * interval '1 second', now()
FROM generate_series(0, %(rows)s - 1) AS g
"""


def _fill_year(ctx: Bench) -> tuple[float, float, int]:
    """A year of signals in time order (the trigger off), then the rollup from the migration's
    backfill. Returns (fill seconds, backfill seconds, rollup rows)."""
    from listening.models import Signal

    rows = ctx.sizes.listening_year_signals
    start = timezone.now() - timedelta(days=365)
    table = Signal._meta.db_table
    sql = FILL_SQL.format(
        table=table,
        kinds=list(KINDS),
        sources=list(SOURCES),
        n_kinds=len(KINDS),
        n_sources=len(SOURCES),
    )
    backfill = importlib.import_module("listening.migrations.0009_signal_hour_rollup").BACKFILL
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER listening_signal_hour_insert")
        fill_s = timed(
            lambda: cursor.execute(sql, {"start": start, "step": 365 * 86400 / rows, "rows": rows})
        )
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER listening_signal_hour_insert")
        backfill_s = timed(lambda: cursor.execute(backfill))
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE listening_signalhour")
        cursor.execute("SELECT count(*) FROM listening_signalhour")
        hours = cursor.fetchone()[0]
    log(
        f"listening: {rows:,} signals over a year in {fill_s:.1f}s, rollup of {hours:,} rows"
        f" in {backfill_s:.1f}s"
    )
    return fill_s, backfill_s, hours


def _raw_aggregate(*, start: datetime, end: datetime, tz: ZoneInfo) -> int:
    """The same 28-day aggregate by day and topic counted from the signals alone (the
    computation before the rollup)."""
    from listening.models import Signal

    return len(
        list(
            Signal.objects.filter(observed_at__gte=start, observed_at__lt=end)
            .annotate(bucket=Trunc("observed_at", "day", tzinfo=tz))
            .values("bucket", "topic")
            .annotate(
                n=Count("id"),
                total=Sum("value"),
                mean_value=Avg("value"),
                mean_sentiment=Avg("sentiment"),
                n_negative=Count("id", filter=Q(sentiment__lt=0)),
                n_positive=Count("id", filter=Q(sentiment__gt=0)),
            )
            .order_by("bucket", "topic")
        )
    )


def _aggregates(ctx: Bench, brand: object) -> tuple[list[float], list[float], int]:
    """Timed GETs of 28-day aggregates by day and topic, and the raw baseline per window."""
    from tenants import services

    _key, secret = services.create_api_key(
        brand=brand,
        name="bench-reader",
        scopes=["read"],  # type: ignore[arg-type]
    )
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    tz = ZoneInfo(brand.timezone)  # type: ignore[attr-defined]
    today = timezone.now().astimezone(tz).date()
    rng = random.Random(18)
    windows = [
        today - timedelta(days=rng.randrange(28, 360)) for _ in range(ctx.sizes.listening_samples)
    ]
    path = f"/brands/{brand.slug}/api/v1/listening/aggregates/"  # type: ignore[attr-defined]

    def query(first: date) -> str:
        last = first + timedelta(days=27)
        return f"{path}?from={first}&to={last}&bucket=day&by=topic"

    warm = client.get(query(windows[0]))
    assert warm.status_code == 200, warm.content[:300]
    groups = len(warm.json())
    api_times = [timed(lambda w=w: client.get(query(w))) for w in windows]
    raw_times = []
    with schema_context(brand.schema_name):  # type: ignore[attr-defined]
        for first in windows:
            start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
            end = datetime.combine(first + timedelta(days=28), datetime.min.time(), tzinfo=tz)
            raw_times.append(timed(lambda s=start, e=end: _raw_aggregate(start=s, end=e, tz=tz)))
    return api_times, raw_times, groups


def _rules(ctx: Bench) -> int:
    """10 enabled rules in every active brand (threshold and baseline conditions on kinds and
    topics, thresholds out of reach). Returns the number of brands."""
    from listening.models import Trigger
    from tenants.models import Brand

    brands = list(Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("pk"))
    per_brand = ctx.sizes.listening_rules_per_brand
    for brand in brands:
        with schema_context(brand.schema_name):
            Trigger.objects.bulk_create(
                [
                    Trigger(
                        name=f"bench rule {i}",
                        enabled=True,
                        condition="baseline" if i % 3 == 2 else "threshold",
                        min_z_score=3 if i % 3 == 2 else None,
                        action="alert",
                        kind=KINDS[i % len(KINDS)] if i % 2 else "",
                        topic=TOPICS[i] if i % 4 != 3 else "",
                        threshold=1_000_000,
                        window_minutes=60,
                        cooldown_minutes=60,
                    )
                    for i in range(per_brand)
                ]
            )
    return len(brands)


def _cycle(ctx: Bench, changed: list[object], now: datetime) -> tuple[float, int]:
    """New signals in each of ``changed`` brands (the ingest service marks the due index),
    then one timed evaluation cycle. Returns (seconds, brands evaluated)."""
    from listening.services.cycle import evaluate_due_brands
    from listening.services.signals import ingest_signals

    for n, brand in enumerate(changed):
        with tenant_context(brand):
            ingest_signals(
                items=[
                    {
                        "kind": KINDS[i % len(KINDS)],
                        "source": SOURCES[i % len(SOURCES)],
                        "external_id": f"c-{now:%H%M%S}-{n}-{i}",
                        "observed_at": now - timedelta(minutes=i),
                        "topic": TOPICS[i % len(TOPICS)],
                    }
                    for i in range(20)
                ],
                now=now,
            )
    connection.set_schema_to_public()
    results: dict[str, int] = {}
    took = timed(lambda: results.update(evaluate_due_brands(now=now)))
    connection.set_schema_to_public()
    return took, len(results)


def run(ctx: Bench) -> list[Figure]:
    from bench.figures.tenancy import fill_brands
    from listening.schedule.models import BrandTriggerDue
    from tenants.models import Brand

    sizes = ctx.sizes
    # 1. Ingest through the batch endpoint.
    brand = ctx.new_brand("listening-ingest")
    ingest_s, sent, capped, per_batch, cpu_per_batch = _ingest(ctx, brand)
    wanted = sizes.listening_ingest_signals
    projected = ingest_s * wanted / sent
    log(
        f"listening: {sent:,} signals in {ingest_s:.1f}s ({sent / ingest_s:,.0f}/s; a batch"
        f" median {median(per_batch) * 1000:.0f} ms, CPU median"
        f" {median(cpu_per_batch) * 1000:.0f} ms)"
    )
    # 2. A year of signals and the 28-day aggregate.
    year = ctx.new_brand("listening-year")
    with schema_context(year.schema_name):  # type: ignore[attr-defined]
        fill_s, backfill_s, hours = _fill_year(ctx)
    api_times, raw_times, groups = _aggregates(ctx, year)
    api_p95, raw_p95 = percentile(api_times, 95) * 1000, percentile(raw_times, 95) * 1000
    log(f"listening: 28-day aggregate p95 {api_p95:.1f} ms (signals alone {raw_p95:.1f} ms)")
    # 3. The trigger evaluation cycle.
    fill_per_brand = fill_brands(ctx, sizes.brands)
    brands = _rules(ctx)
    active = list(Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("pk"))
    rng = random.Random(18)
    changed_count = max(1, round(len(active) * sizes.listening_changed_percent / 100))
    # The ingest brand's batches marked it due; the cycles below start from a quiet index.
    BrandTriggerDue.objects.update(inputs_changed_at=None)
    cycles = []
    evaluated = 0
    for round_ in range(sizes.listening_cycles):
        changed = rng.sample(active, changed_count)
        now = datetime.now(UTC) + timedelta(seconds=round_)
        took, evaluated = _cycle(ctx, changed, now)
        if evaluated != changed_count:
            raise RuntimeError(f"The cycle judged {evaluated} brands, {changed_count} had inputs")
        cycles.append(took)
    log(f"listening: cycle over {brands} brands, {changed_count} changed: {max(cycles):.3f}s")
    rules = sizes.listening_rules_per_brand
    ingest_name = (
        f"Ingest {wanted:,} signals, one brand, batches of {BATCH:,} (projected from"
        f" {sent:,} sent before the {sizes.listening_ingest_seconds_cap:.0f} s cap)"
        if capped or sent < wanted
        else f"Ingest {sent:,} signals, one brand, batches of {BATCH:,}"
    )
    return [
        Figure(
            group=GROUP,
            name=ingest_name,
            value=projected,
            unit="s",
            target=INGEST_TARGET_S,
            note=(
                f"{sent / ingest_s:,.0f} signals/s; a batch median"
                f" {median(per_batch) * 1000:.0f} ms,"
                f" p95 {percentile(per_batch, 95) * 1000:.0f} ms;"
                f" this process's CPU a batch median {median(cpu_per_batch) * 1000:.0f} ms"
            ),
            details=[
                f"{sent:,} signals in {len(per_batch):,} POSTs of {BATCH:,} to"
                f" listening/signals/ took {ingest_s:.1f} s (API key, in-process Django test"
                " Client: middleware, authentication, the batch serializer, the service's"
                " checks, injection detection on each text, one INSERT ... SELECT FROM"
                " jsonb_to_recordset with ON CONFLICT, the rollup's statement trigger, and"
                " the on-commit messages). Each signal: kind, source, external id, observed"
                " time, topic, value, sentiment and a 36-character text."
            ],
        ),
        Figure(
            group=GROUP,
            name=(
                "28-day aggregate by day and topic over a year of signals, p95"
                f" (n={len(api_times)})"
            ),
            value=api_p95,
            unit="ms",
            target=AGGREGATE_TARGET_MS,
            baseline=raw_p95,
            baseline_label="same windows counted from the signals alone",
            note=f"median {median(api_times) * 1000:.1f} ms; {groups} rows an answer",
            details=[
                f"{sizes.listening_year_signals:,} signals over 365 days in one brand (filled"
                f" in {fill_s:.1f} s; 4 kinds, 5 sources, 20 topics in 20 combinations,"
                f" {hours:,} rollup rows, {sizes.listening_year_signals / hours:.1f} signals a"
                " row); GET listening/aggregates/?bucket=day&by=topic for"
                f" {len(api_times)} 28-day windows spread over the year, in-process Django test"
                " Client with a read key. Answered from the hourly rollup (SignalHour); the"
                " signals themselves only at partial edge hours, none here."
            ],
        ),
        Figure(
            group=GROUP,
            name="Same 28-day aggregates counted from the signals alone (before the rollup), p95",
            value=raw_p95,
            unit="ms",
            target=AGGREGATE_TARGET_MS,
            note=f"median {median(raw_times) * 1000:.1f} ms; selector only, no HTTP",
            details=[
                "The previous computation (GROUP BY over the window's signals through the BRIN"
                " index), timed on the same windows without the request around it."
            ],
        ),
        Figure(
            group=GROUP,
            name=(
                f"Rollup built from {sizes.listening_year_signals:,} signals"
                " (the migration's backfill)"
            ),
            value=backfill_s,
            unit="s",
            details=[
                "listening/migrations/0008's BACKFILL statement: one grouped INSERT ... ON"
                " CONFLICT over the brand's signals; what the migration costs a brand this size."
            ],
        ),
        Figure(
            group=GROUP,
            name=(
                f"Trigger cycle, {brands:,} brands x {rules} rules,"
                f" {changed_count} with new inputs (slowest of {len(cycles)})"
            ),
            value=max(cycles),
            unit="s",
            target=CYCLE_TARGET_S,
            note=(
                f"median {median(cycles):.3f} s;"
                f" {max(cycles) / changed_count * 1000:.0f} ms a changed brand"
            ),
            details=[
                f"evaluate_due_brands(now=...) after {changed_count} brands each took a batch of"
                " 20 signals through ingest_signals (which marks the public due index in its"
                " transaction). The cycle claims only the due rows (SKIP LOCKED), so the"
                f" {brands - changed_count:,} unchanged brands cost nothing but the index"
                f" read; in each changed brand its {rules} rules are judged (threshold counts"
                " and 28-day baselines; none fires). Brands filled in bulk"
                f" ({fill_per_brand:.2f} s a brand)."
            ],
        ),
    ]
