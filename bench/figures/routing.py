"""Tenant routing overhead: the brand channel list against the same rows on a single schema.

Issue 8: <= 1.10x. Both sides are the product's ChannelViewSet with the same serializer,
pagination, filters and token authentication, measured in-process with Django's test Client in
alternating pairs. The brand side goes through BrandRoutingMiddleware (brand lookup, search_path,
time zone) and BrandPermission (membership lookup); the baseline has neither and reads a copy of
the same rows from the public schema (bench/views.py).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_tenants.utils import schema_context

from bench.context import Bench, log
from bench.report import Figure
from bench.stats import median, percentile

GROUP = "Tenant routing"
RATIO_TARGET = 1.10
ROUTING_MIDDLEWARE = "tenants.routing.BrandRoutingMiddleware"
WARMUP = 30


def _seed_channels(schema: str, rows: int) -> None:
    from content import services
    from content.networks import Network

    networks = list(Network.values)
    with schema_context(schema):
        for i in range(rows):
            services.create_channel(network=networks[i % len(networks)], handle=f"account{i}")


def _query_roundtrip_ms(samples: int = 200) -> float:
    with connection.cursor() as cursor:
        took = []
        for _ in range(samples):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            took.append(time.perf_counter() - started)
    return median(took) * 1000


def run(ctx: Bench) -> list[Figure]:
    sizes = ctx.sizes
    brand = ctx.new_brand("routing")
    _seed_channels(brand.schema_name, sizes.routing_rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE public.content_channel (LIKE "{brand.schema_name}".content_channel'
            " INCLUDING ALL)"
        )
        cursor.execute(
            "INSERT INTO public.content_channel"
            f' SELECT * FROM "{brand.schema_name}".content_channel'
        )
    try:
        return _measure(ctx, brand)
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE public.content_channel")


def count_statements(client: Client, url: str) -> tuple[int, int]:
    """(ORM queries, ``SET search_path`` statements) for one request."""
    reset_queries()  # CaptureQueriesContext counts by log length, which stops at 9,000
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    sets = sum(1 for q in captured.captured_queries if q["sql"].startswith("SET search_path"))
    return len(captured) - sets, sets


def _measure(ctx: Bench, brand: object) -> list[Figure]:
    sizes = ctx.sizes
    brand_url = reverse("channel-list", kwargs={"brand_slug": brand.slug})
    base_url = reverse("bench-single-schema-channels")
    headers = ctx.auth_header()

    brand_client = Client(**headers)
    base_client = Client(**headers)
    # The baseline is a single-schema app: no routing middleware at all.
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != ROUTING_MIDDLEWARE]):
        base_client.handler.load_middleware()
    brand_client.handler.load_middleware()

    first_brand = brand_client.get(brand_url)
    first_base = base_client.get(base_url)
    if first_brand.status_code != 200 or first_base.status_code != 200:
        raise RuntimeError(f"status {first_brand.status_code} / {first_base.status_code}")
    if first_brand.json() != first_base.json():
        raise RuntimeError("the brand list and the single-schema baseline serve different data")
    rows = len(first_brand.json()["results"])

    # Each side runs with django-tenants' TENANT_LIMIT_SET_CALLS off (SET search_path before
    # every query) and on (only after the schema changes), all four interleaved.
    series: dict[tuple[str, bool], list[float]] = {}
    statements: dict[tuple[str, bool], tuple[int, int]] = {}
    sides = [("brand", brand_client, brand_url), ("base", base_client, base_url)]
    for limit in (False, True):
        with override_settings(TENANT_LIMIT_SET_CALLS=limit):
            for side, client, url in sides:
                series[(side, limit)] = []
                statements[(side, limit)] = count_statements(client, url)
                for _ in range(WARMUP):
                    client.get(url)
    plan = [(side, client, url, limit) for side, client, url in sides for limit in (False, True)]
    for i in range(sizes.routing_rounds):
        for side, client, url, limit in plan[i % 4 :] + plan[: i % 4]:
            with override_settings(TENANT_LIMIT_SET_CALLS=limit):
                started = time.perf_counter()
                client.get(url)
                series[(side, limit)].append(time.perf_counter() - started)

    current = bool(getattr(settings, "TENANT_LIMIT_SET_CALLS", False))
    rtt = _query_roundtrip_ms()
    figures = []
    for limit in (current, not current):
        on_brand, on_base = series[("brand", limit)], series[("base", limit)]
        m_brand, m_base = median(on_brand) * 1000, median(on_base) * 1000
        q_brand, s_brand = statements[("brand", limit)]
        q_base, s_base = statements[("base", limit)]
        label = f"TENANT_LIMIT_SET_CALLS={limit}" + (" (as configured)" if limit == current else "")
        log(f"routing, {label}: brand {m_brand:.2f} ms vs single-schema {m_base:.2f} ms")
        extra_trips = (q_brand + s_brand) - (q_base + s_base)
        figures.append(
            Figure(
                group=GROUP,
                name=f"Brand channel list vs single-schema baseline, median, {label}",
                value=m_brand,
                unit="ms",
                baseline=m_base,
                baseline_label="same view, public schema, no routing",
                ratio_target=RATIO_TARGET,
                note=(
                    f"p95 {percentile(on_brand, 95) * 1000:.1f} vs"
                    f" {percentile(on_base, 95) * 1000:.1f} ms"
                ),
                details=[
                    f"{rows} channels a page, {sizes.routing_rounds} interleaved rounds after"
                    f" {WARMUP} warm-up requests, Django test Client in-process, token auth."
                    f" Statements per request: brand route {q_brand} queries + {s_brand}"
                    f" `SET search_path`, baseline {q_base} + {s_base}. The brand route reads"
                    f" the brand, the caller's token and person and their role in one"
                    f" statement that also sets the search_path (tenants.route_lookup), where"
                    f" the baseline reads the token with the ORM; on top it counts the"
                    f" request against the brand's rate limit (one upsert). Tenancy adds"
                    f" {m_brand - m_base:.2f} ms a request; a bare round trip here is"
                    f" {rtt:.3f} ms, so the {extra_trips} extra round trips are about"
                    f" {extra_trips * rtt:.2f} ms and the rest is Python: middleware,"
                    f" permission and time zone code. That fixed cost per request bounds the"
                    f" ratio: it falls as the view does more work (bigger pages, heavier"
                    f" serializers) and rises for tiny responses."
                ],
            )
        )
    on, off = series[("brand", True)], series[("brand", False)]
    figures.append(
        Figure(
            group=GROUP,
            name="Brand channel list, TENANT_LIMIT_SET_CALLS on vs off (median)",
            value=median(on) * 1000,
            unit="ms",
            baseline=median(off) * 1000,
            baseline_label="off",
            note=f"currently {'on' if current else 'off'} in brandroom/settings.py",
        )
    )
    return figures
