"""The approvals deadline sweep over many brands (issue 4: approvals).

Issue 8: with 1,000 brands and 100 open steps each, 1 % due: <= 1 s, and growing with the due
items only. Every brand's schema is filled in bulk with open one-step requests (SQL, one
statement per brand, consistent with the models' constraints and the state-machine triggers:
rows are inserted already open, never moved), the public due index (``BrandDue``) is set to
each brand's earliest ``next_action_at`` exactly as ``sync_brand_due`` would, and the service
``sweep_due_brands(now=...)`` is timed (not the actor) with ``now`` chosen so that exactly the
intended steps are due.
"""

from __future__ import annotations

import datetime as dt

import psycopg
from django.db import connection

from bench import database
from bench.context import Bench, log
from bench.report import AT_MOST, Figure
from bench.stats import timed

GROUP = "Approvals deadline sweep"
TARGET_S = 1.0
T0 = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)  # the sweep's ``now``
BATCH = 10  # brand schemas filled per transaction (TRUNCATE locks every table it empties)

# Due steps opened 61 min before T0 with a 60-min reminder: due 1 min before T0. The others
# opened 30 min before T0: their reminder is 30 min after T0. Deadlines are a day later, so
# the sweep sends reminders only (the path a sweep takes most often).
FILL_SQL = """
TRUNCATE {s}.approvals_approvalstep, {s}.approvals_approvalrequest, {s}.approvals_auditentry
    CASCADE;
WITH r AS (
    INSERT INTO {s}.approvals_approvalrequest (
        subject_kind, subject_id, risk_score, band, amount, currency, summary, requested_by_id,
        status, reason, level, inform_roles, opened_in_crisis, supersedes_id, created_at,
        finished_at, author_ids, variant_ids)
    SELECT 'post', g, 10, 'low', NULL, '', 'bench post ' || g, NULL, 'open', 'policy', 1,
        '{{}}', false, NULL, %(t0)s::timestamptz - interval '2 hours', NULL, '{{}}', '{{}}'
    FROM generate_series(1, %(open)s) g
    RETURNING id, subject_id
), o AS (
    SELECT r.id, CASE WHEN r.subject_id <= %(due)s THEN %(t0)s::timestamptz - interval '61 min'
                      ELSE %(t0)s::timestamptz - interval '30 min' END AS opened
    FROM r
)
INSERT INTO {s}.approvals_approvalstep (
    request_id, position, roles, mode, deadline_minutes, reminder_minutes, on_timeout,
    is_crisis_step, status, opened_at, deadline_at, first_deadline_at, next_action_at,
    reminders_sent, escalated_at, escalated_to_ids, decided_at, decided_by_id)
SELECT o.id, 1, ARRAY['account_lead'], 'any', 1440, ARRAY[60], 'escalate', false, 'open',
    o.opened, o.opened + interval '1440 min', o.opened + interval '1440 min',
    o.opened + interval '60 min', 0, NULL, '{{}}', NULL, NULL
FROM o;
INSERT INTO public.{due_table} (brand_id, next_due_at)
VALUES (%(brand_id)s, (SELECT min(next_action_at) FROM {s}.approvals_approvalstep
                       WHERE status = 'open'))
ON CONFLICT (brand_id) DO UPDATE SET next_due_at = EXCLUDED.next_due_at;
"""


def _brands() -> list[tuple[int, str]]:
    from tenants.models import Brand

    return list(
        Brand.objects.filter(status=Brand.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "schema_name")
    )


def fill(ctx: Bench, *, open_per_brand: int, due_per_brand: int) -> float:
    """Replace every brand's requests and steps; returns seconds taken."""
    from approvals.schedule.models import BrandDue

    brands = _brands()
    due_table = BrandDue._meta.db_table

    def go() -> None:
        with psycopg.connect(database.url(ctx.database), autocommit=True) as conn:
            for start in range(0, len(brands), BATCH):
                with conn.transaction():
                    for brand_id, schema in brands[start : start + BATCH]:
                        for statement in FILL_SQL.format(s=schema, due_table=due_table).split(
                            ";\n"
                        ):
                            if statement.strip():
                                conn.execute(
                                    statement,  # type: ignore[arg-type]
                                    {
                                        "t0": T0,
                                        "open": open_per_brand,
                                        "due": due_per_brand,
                                        "brand_id": brand_id,
                                    },
                                )
            conn.execute(f"ANALYZE public.{due_table}")

    took = timed(go)
    log(
        f"sweep fill: {len(brands)} brands x {open_per_brand} open, {due_per_brand} due,"
        f" {took:.1f}s"
    )
    return took


def measure(ctx: Bench, *, open_per_brand: int, due_per_brand: int) -> tuple[float, int, int]:
    """(seconds, steps handled, brands swept) for one sweep at T0 after a fresh fill."""
    from approvals.services import sweep_due_brands

    fill(ctx, open_per_brand=open_per_brand, due_per_brand=due_per_brand)
    connection.set_schema_to_public()
    results: dict[str, int] = {}
    brands = len(_brands())
    # One call sweeps at most due_brand_ids' limit (500) of the most overdue brands; the cron
    # calls it again a minute later. Here the calls follow each other until nothing is due,
    # so the figure is the work of clearing every due step (a bounded number of calls).
    calls = 0

    def sweep() -> None:
        nonlocal calls
        for _ in range(brands // 500 + 3):
            calls += 1
            swept = sweep_due_brands(now=T0)
            if not swept:
                return
            for slug, handled_here in swept.items():
                results[slug] = results.get(slug, 0) + handled_here

    took = timed(sweep)
    handled = sum(results.values())
    expected = brands * due_per_brand
    if handled != expected:
        raise RuntimeError(f"The sweep handled {handled} steps, {expected} were due")
    connection.set_schema_to_public()
    log(
        f"sweep: {open_per_brand} open, {due_per_brand} due per brand: {took:.3f}s"
        f" ({handled} steps, {calls} calls of sweep_due_brands)"
    )
    return took, handled, len(results)


def run(ctx: Bench) -> list[Figure]:
    from bench.figures.tenancy import fill_brands

    fill_brands(ctx, ctx.sizes.brands)
    brands = len(_brands())
    open_steps = ctx.sizes.sweep_open_steps
    due = ctx.sizes.sweep_due_per_brand
    base, base_handled, base_brands = measure(ctx, open_per_brand=open_steps, due_per_brand=due)
    more_open, _, _ = measure(ctx, open_per_brand=open_steps * 10, due_per_brand=due)
    more_due, more_handled, _ = measure(ctx, open_per_brand=open_steps, due_per_brand=due * 10)
    # A second sample of the main figure (full runs only: smoke must stay short).
    again = None if ctx.smoke else measure(ctx, open_per_brand=open_steps, due_per_brand=due)[0]
    due_pct = 100 * due / open_steps
    per_brand_ms = 1000 * base / max(base_brands, 1)
    # Marginal cost of a due step (from the 10x-due run) and what is left per due brand.
    per_step_ms = 1000 * (more_due - base) / max(more_handled - base_handled, 1)
    brand_fixed_ms = per_brand_ms - per_step_ms * due
    how = (
        f"sweep_due_brands(now=T0) timed in the bench process against {brands:,} brands, every"
        f" brand with one due step per {open_steps // due} open ones, so every brand is due"
        " (the worst spread of the same due count: every due brand is a schema of its own to"
        " reach). Due steps get a reminder (no members in the filled"
        " brands, so no email is built); each run follows a fresh bulk fill and checks that"
        " exactly the intended steps were handled. One sweep_due_brands call takes at most"
        " 500 due brands (due_brand_ids' limit, most overdue first); the figure is successive"
        " calls until nothing is due (the last one finds nothing), i.e. the whole due work."
    )
    return [
        Figure(
            group=GROUP,
            name=f"Sweep, {brands:,} brands x {open_steps} open steps, {due_pct:g} % due",
            value=base,
            unit="s",
            target=TARGET_S,
            compare=AT_MOST,
            note=f"{base_handled:,} steps in {base_brands:,} brands"
            + ("" if again is None else f"; repeat {again:.3f} s"),
            details=[
                how,
                f"{per_brand_ms:.2f} ms per due brand: about {per_step_ms:.1f} ms per due step"
                f" (marginal, from the 10x-due run) and {brand_fixed_ms:.1f} ms per due brand."
                " Reminders are handled for 100 due brands per transaction"
                " (approvals.services.due_across_brands) in a few round trips: the members"
                " (public), then the claim of every brand's due steps (per-schema SKIP LOCKED"
                " claims) with, for brands where someone may decide, the reads of their"
                " decisions, crisis state, quiet hours and digest choices, as statements of 10"
                " brands each (PostgreSQL's planning grows faster than a statement's parts);"
                " then every brand's step updates, audit entries, outbox events and digest"
                " entries (data-modifying CTEs) with the due index; one broker message carries"
                " the chunk's events. The filled brands have no members, so each is read for"
                " its claim only. What is left per due brand is PostgreSQL's work on the four"
                " brand-schema tables it touches (catalog lookups on a connection that has not"
                " seen the brand, planning, locks, index inserts) and Python."
                " Brands with a deadline reached are still swept one by one (sweep_brand).",
            ],
        ),
        Figure(
            group=GROUP,
            name="Sweep growth: 10x open steps, same due items",
            value=more_open,
            unit="s",
            baseline=base,
            baseline_label=f"{open_steps} open steps per brand",
            ratio_target=1.2,
            details=[
                f"{open_steps * 10} open steps per brand, still {due} due: the due-step query"
                " uses the partial index on open steps' next_action_at and the brand query the"
                " public due index, so the open steps that are not due are never read."
            ],
        ),
        Figure(
            group=GROUP,
            name="Sweep growth: 10x due items, same open steps",
            value=more_due,
            unit="s",
            baseline=base,
            baseline_label=f"{due} due per brand",
            note=f"{more_handled:,} steps",
            details=[
                "Proportional would be 10x; less means part of the cost is per due brand"
                " (schema switch, due-index sync, transaction) rather than per due step."
            ],
        ),
    ]
