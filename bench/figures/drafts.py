"""Listing drafts with 10,000 rows in the brand: latency, throughput, queries per request.

Issue 8: p95 <= 30 ms for one client; report throughput with 8 concurrent clients; queries per
request constant as rows grow. Measured against a real gunicorn on 127.0.0.1 (latency and
throughput) and in-process with CaptureQueriesContext (queries).

Measures the product's own endpoint, ``/brands/<slug>/api/v1/drafts/`` (URL name ``draft-list``).
"""

from __future__ import annotations

import threading
import time

import psycopg
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from bench import database, http_load
from bench.context import Bench, log
from bench.figures.routing import count_statements
from bench.report import AT_MOST, Figure
from bench.stats import median, percentile

GROUP = "Drafts list"
P95_TARGET_MS = 30.0
CHANNELS = 5


def drafts_list_path(slug: str) -> str:
    """The brand's drafts list URL."""
    return reverse("draft-list", kwargs={"brand_slug": slug})


def seed_drafts(*, schema: str, rows: int, created_by_id: int) -> None:
    """``rows`` drafts spread over a few channels, one second apart, newest last."""
    from content import services
    from content.models import Draft
    from content.networks import Network

    statuses = list(Draft.Status.values)
    with schema_context(schema):
        channels = [
            services.create_channel(network=net, handle=f"brand-{net}")
            for net in list(Network.values)[:CHANNELS]
        ]
        Draft.objects.bulk_create(
            [
                Draft(
                    kind=Draft.Kind.POST if i % 4 else Draft.Kind.REPLY,
                    channel=channels[i % len(channels)],
                    text=f"Draft {i}: " + "A sentence about the brand's autumn range. " * 4,
                    status=statuses[i % len(statuses)],
                    risk_score=i % 101,
                    risk_reasons=(
                        [{"code": "price_claim", "detail": "mentions pricing", "points": 20}]
                        if i % 7 == 0
                        else []
                    ),
                    flags=[],
                    created_by_id=created_by_id,
                )
                for i in range(rows)
            ],
            batch_size=2000,
        )
        with connection.cursor() as cursor:
            # bulk_create stamps every row with one time; real drafts arrive over time.
            cursor.execute(
                "UPDATE content_draft SET created_at = now() - make_interval(secs => %s - id)",
                [rows],
            )
            cursor.execute("ANALYZE content_draft")


def _queries(ctx: Bench, path: str) -> int:
    client = Client(**ctx.auth_header())
    response = client.get(path)  # warm: first use of the view
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:200]!r}")
    queries, _sets = count_statements(client, path)
    return queries


def _in_process(ctx: Bench, path: str, requests: int) -> tuple[float, float]:
    """Median wall and CPU seconds of the bench process per request, no HTTP in between.

    CPU time is what the machine's load cannot inflate much: it says what a quiet machine's
    latency would be bounded by."""
    client = Client(**ctx.auth_header())
    for _ in range(10):
        client.get(path)
    wall, cpu = [], []
    for _ in range(requests):
        w, c = time.perf_counter(), time.process_time()
        client.get(path)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return median(wall), median(cpu)


def _connections_of_others(ctx: Bench) -> int:
    """Client connections to the bench database other than the bench process's own."""
    with psycopg.connect(database.url(ctx.database), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            " AND pid <> ALL(%s)",
            [ctx_pids(ctx)],
        ).fetchone()
    return int(row[0]) if row else 0


def ctx_pids(ctx: Bench) -> list[int]:
    """Backend pids of the bench process's own Django connection (left out of the count)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    return [int(row[0])] if row else []


class ConnectionSampler:
    """Counts the web server's connections every 50 ms while a load runs; keeps the most."""

    def __init__(self, ctx: Bench) -> None:
        self.ctx, self.most, self._stop = ctx, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, _connections_of_others(self.ctx))
            self._stop.wait(0.05)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def connection_formula() -> int:
    """platform/DEPLOY.md's most for the bench's web server: web workers x (pool + the
    PostgreSQL broker's one sending connection per thread)."""
    return http_load.WEB_WORKERS * (settings.DATABASE_POOL_MAX_SIZE + http_load.WEB_THREADS)


def run(ctx: Bench) -> list[Figure]:
    sizes = ctx.sizes
    big = ctx.new_brand("drafts-big")
    small = ctx.new_brand("drafts-small")
    seed_drafts(schema=big.schema_name, rows=sizes.drafts_rows, created_by_id=ctx.admin.pk)
    seed_drafts(schema=small.schema_name, rows=sizes.drafts_small_rows, created_by_id=ctx.admin.pk)
    big_path, small_path = drafts_list_path(big.slug), drafts_list_path(small.slug)

    q_big, q_small = _queries(ctx, big_path), _queries(ctx, small_path)
    wall, cpu = _in_process(ctx, big_path, min(100, sizes.single_client_requests))
    headers = {"Authorization": f"Token {ctx.token}"}
    with http_load.gunicorn() as port:
        # Warm both workers' connections and caches before anything is timed.
        http_load.load(
            port=port,
            paths=[big_path, small_path],
            headers=headers,
            clients=4,
            requests_per_client=10,
            seconds_cap=sizes.http_seconds_cap,
        )
        one = http_load.load(
            port=port,
            paths=[big_path, small_path],
            headers=headers,
            clients=1,
            requests_per_client=sizes.single_client_requests * 2,
            seconds_cap=sizes.http_seconds_cap,
        )
        idle = _connections_of_others(ctx)
        with ConnectionSampler(ctx) as sampler:
            many = http_load.load(
                port=port,
                paths=[big_path],
                headers=headers,
                clients=sizes.concurrent_clients,
                requests_per_client=sizes.requests_per_client,
                seconds_cap=sizes.http_seconds_cap,
            )[big_path]
    one_big, one_small = one[big_path], one[small_path]
    for name, result in [("one client", one_big), ("8 clients", many)]:
        if result.errors:
            raise RuntimeError(
                f"{name}: {result.errors} requests failed (HTTP {sorted(result.error_statuses)})"
            )
    p95_big = percentile(one_big.latencies, 95) * 1000
    single_rps = 1 / median(one_big.latencies)
    log(f"drafts: p95 {p95_big:.1f} ms one client, {many.throughput:.0f} req/s with 8 clients")
    rows = f"{sizes.drafts_rows:,} rows"
    capped = " (stopped by the time cap)" if many.stopped_by_time else ""
    return [
        Figure(
            group=GROUP,
            name=f"List drafts, {rows}, one client (p95)",
            value=p95_big,
            unit="ms",
            target=P95_TARGET_MS,
            note=f"median {median(one_big.latencies) * 1000:.1f} ms, n={len(one_big.latencies)}",
            details=[
                f"Measured: the brand's drafts endpoint ({big_path}). First page (50 drafts,"
                f" cursor pagination on -created_at, the product's serializer) over HTTP"
                f" keep-alive from one client to"
                f" gunicorn ({http_load.WEB_WORKERS} workers x {http_load.WEB_THREADS} threads,"
                f" gthread, access log off) on 127.0.0.1, token auth. Requests alternate with"
                f" the {sizes.drafts_small_rows}-row brand so both are measured side by side."
                f" The same request in-process (Django test Client, no HTTP): median"
                f" {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU of the bench process"
                f" (test-client overhead included). CPU close to wall means the request is"
                f" bound by Python work (serializing 50 drafts, building {q_big} ORM queries,"
                f" authentication, permission), not by PostgreSQL, so the HTTP p95 moves with"
                f" how much of the 2 cores other processes take (load average in the header)."
            ],
        ),
        Figure(
            group=GROUP,
            name=f"List drafts, {rows} vs {sizes.drafts_small_rows} rows, one client (p95)",
            value=p95_big,
            unit="ms",
            baseline=percentile(one_small.latencies, 95) * 1000,
            baseline_label=f"{sizes.drafts_small_rows} rows",
            note="growth with rows",
        ),
        Figure(
            group=GROUP,
            name=f"List drafts, {rows}, {sizes.concurrent_clients} concurrent clients",
            value=many.throughput,
            unit="req/s",
            baseline=single_rps,
            baseline_label="one client, 1/median latency",
            note=(
                f"p95 {percentile(many.latencies, 95) * 1000:.1f} ms,"
                f" n={len(many.latencies)}{capped}"
            ),
            details=[
                f"{sizes.concurrent_clients} client threads in the bench process, each with its"
                f" own keep-alive connection, at most {sizes.requests_per_client} requests or"
                f" {sizes.http_seconds_cap:.0f} s. Clients, 2 gunicorn workers and PostgreSQL"
                f" share 2 cores, so throughput is CPU-bound: the ratio is the gain over one"
                f" client, at most about 2x on 2 cores."
            ],
        ),
        *connection_figures(idle=idle, loaded=sampler.most, clients=sizes.concurrent_clients),
        Figure(
            group=GROUP,
            name=f"Queries per request, {rows} vs {sizes.drafts_small_rows} rows",
            value=float(q_big),
            unit="queries",
            baseline=float(q_small),
            baseline_label=f"{sizes.drafts_small_rows} rows",
            ratio_target=1.0,
            compare=AT_MOST,
            details=[
                f"CaptureQueriesContext around one request each: {q_big} at"
                f" {sizes.drafts_rows:,} rows, {q_small} at {sizes.drafts_small_rows}"
                " ORM queries, not counting `SET search_path`."
            ],
        ),
    ]


def connection_figures(*, idle: int, loaded: int, clients: int) -> list[Figure]:
    formula = float(connection_formula())
    how = (
        f"Client connections to the bench database held by gunicorn ({http_load.WEB_WORKERS}"
        f" workers x {http_load.WEB_THREADS} threads, DATABASE_POOL_MAX_SIZE"
        f" {settings.DATABASE_POOL_MAX_SIZE}, PostgreSQL broker), counted in pg_stat_activity"
        " (the bench process's own left out): idle after the warm-up and one-client"
        " requests, and the most"
        f" seen every 50 ms while {clients} clients loaded the drafts list. The target is"
        " platform/DEPLOY.md's formula for web processes: workers x (pool size + threads,"
        " the broker's sending connections)."
    )
    return [
        Figure(
            group=GROUP,
            name="Connections held by the web server, idle after requests",
            value=float(idle),
            unit="connections",
            target=formula,
            details=[how],
        ),
        Figure(
            group=GROUP,
            name=f"Connections held by the web server, most under {clients} concurrent clients",
            value=float(loaded),
            unit="connections",
            target=formula,
        ),
    ]
