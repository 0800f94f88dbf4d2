"""Creating a brand: cloned from the template vs plain migrations, few brands vs 1,000 present.

Issue 8 and 20: median <= 0.3 s with 1,000 brands present, and <= 1.2x the figure with none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from bench.context import Bench, log
from bench.report import Figure
from bench.stats import median, percentile, timed

GROUP = "Brand provisioning"
TARGET_S = 0.3


def _create_many(ctx: Bench, prefix: str, count: int) -> list[float]:
    """Brands created one after another, each once a spare schema is ready again: what the
    worker's make_spare_schemas actor (enqueued by every creation) does between two creations;
    the bench has no worker, so it runs the same function here, untimed."""
    from tenants import provisioning

    out = []
    for i in range(count):
        provisioning.refill_spare_schemas()
        out.append(timed(lambda i=i: ctx.new_brand(f"{prefix}-{i:03d}")))
    return out


def _create_without_spare(ctx: Bench, prefix: str, count: int) -> list[float]:
    """Brands created with no spare schema ready (the first after a migration, or more
    creations at once than spares): the template's DDL is replayed inside create_brand."""
    from tenants import spare_schemas

    out = []
    for i in range(count):
        with connection.cursor() as cursor:
            for name, _tag in spare_schemas._spares(cursor):
                cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
        out.append(timed(lambda i=i: ctx.new_brand(f"{prefix}-{i:03d}")))
    return out


def fill_brands(ctx: Bench, total: int) -> float:
    """Bring the number of brands up to ``total`` cheaply; returns seconds per brand."""
    from tenants.models import Brand
    from tenants.services import schema_name_for

    present = Brand.objects.count()
    missing = total - present
    if missing <= 0:
        return 0.0
    # Numbered from the brands present, so filling again in steps never repeats a slug.
    slugs = [f"fill-{i:05d}" for i in range(present, total)]
    ddl = _template_ddl()

    def fill() -> None:
        Brand.objects.bulk_create(
            [
                Brand(agency=ctx.agency, name=s, slug=s, schema_name=schema_name_for(slug=s))
                for s in slugs
            ],
            batch_size=500,
        )
        # The product's replay (tenants.schema_replay), 2 schemas a transaction: every table
        # and index created holds a lock until commit, and the lock table shared by every
        # session on the server (max_locks_per_transaction) ran out at 10 a transaction.
        schemas = [schema_name_for(slug=s) for s in slugs]
        template = str(settings.TENANT_BASE_SCHEMA)
        for start in range(0, len(schemas), 2):
            sql = "\n".join(
                ddl.sql_for(schema=name, template=template) for name in schemas[start : start + 2]
            )
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)

    took = timed(fill)
    log(f"filled {missing} brands in {took:.1f}s")
    return took / missing


def _clone_sql_alone(count: int) -> list[float]:
    """django-tenants' clone_schema() SQL function on its own, without anything around it."""
    from django_tenants.clone import CloneSchema

    # The product no longer installs the function; put it in place (not timed).
    CloneSchema()._create_clone_schema_function()
    out = []
    for i in range(count):
        name = f"bench_clone_probe_{i}"
        with connection.cursor() as cursor:
            out.append(
                timed(
                    lambda c=cursor, n=name: c.execute(
                        "SELECT clone_schema(%s, %s, 'DATA')",
                        [settings.TENANT_BASE_SCHEMA, n],
                    )
                )
            )
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
    return out


def _template_ddl():  # type: ignore[no-untyped-def]
    from tenants import provisioning, schema_replay

    state = provisioning.template_state()
    assert state is not None, "the template schema is missing"
    return schema_replay.template_ddl(template=str(settings.TENANT_BASE_SCHEMA), state=state)


def _replay_alone(count: int) -> list[float]:
    """tenants.schema_replay.replay() on its own: the product's way to make a brand schema."""
    from tenants import provisioning, schema_replay

    state = provisioning.template_state()
    template = str(settings.TENANT_BASE_SCHEMA)
    out = []
    for i in range(count):
        name = f"bench_replay_probe_{i}"
        out.append(
            timed(lambda n=name: schema_replay.replay(schema=n, template=template, state=state))
        )
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
    return out


def run(ctx: Bench) -> list[Figure]:
    from tenants.models import Brand

    sizes = ctx.sizes
    few_present = Brand.objects.count()
    few = _create_many(ctx, "early", sizes.create_samples)
    log(f"create with {few_present} brands present: median {median(few):.3f}s")

    per_brand_fill = fill_brands(ctx, sizes.brands)
    present = Brand.objects.count()
    made = _create_many(ctx, "cloned", sizes.create_samples)
    log(f"create with {present} brands present: median {median(made):.3f}s")
    unready = _create_without_spare(ctx, "unready", sizes.create_samples_plain)
    log(f"create with no spare ready, {present} brands present: median {median(unready):.3f}s")
    clone_sql = _clone_sql_alone(3)
    replay = _replay_alone(sizes.create_samples)

    m_made = median(made)
    return [
        Figure(
            group=GROUP,
            name=f"Create a brand, {present:,} brands present (median)",
            value=m_made,
            unit="s",
            target=TARGET_S,
            baseline=median(few),
            baseline_label=f"same with {few_present} brands present",
            note=f"n={len(made)}, p95 {percentile(made, 95):.3f} s",
            details=[
                "Through tenants.services.create_brand (row, membership, template check, schema,"
                " brand_provisioned receivers seeding defaults, audit entry), each creation once"
                " a spare schema is ready again (the worker's refill between two creations, run"
                " untimed by the bench, which has no worker). The schema is a spare made ahead"
                " at the template's migration state (tenants.spare_schemas), claimed with ALTER"
                " SCHEMA ... RENAME: one catalog row, so the figure is the row, membership,"
                " seeding receivers and audit entry. Without a spare ready the template's DDL"
                f" is replayed inline (row below: {median(unready):.3f} s; the replay alone"
                f" {median(replay):.3f} s, ~300 DDL statements making ~400 relations, about"
                " 0.3 s of PostgreSQL CPU whatever the number of brands). django-tenants'"
                f" clone_schema(), replaced before, takes {median(clone_sql):.3f} s alone at"
                " this catalog size.",
            ],
        ),
        Figure(
            group=GROUP,
            name=f"Create a brand, {present:,} vs {few_present} brands present (median)",
            value=m_made,
            unit="s",
            baseline=median(few),
            baseline_label=f"same with {few_present} brands present",
            ratio_target=1.2,
            note="growth with the number of brands",
        ),
        Figure(
            group=GROUP,
            name=f"Create a brand, {few_present} brands present (median)",
            value=median(few),
            unit="s",
            target=TARGET_S,
            note=f"n={len(few)}",
            details=[
                "Same service at the start of the run: the ratio in the row above is the growth"
                " from this to 1,000 brands present."
            ],
        ),
        Figure(
            group=GROUP,
            name=f"Create a brand with no spare schema ready, {present:,} brands present (median)",
            value=median(unready),
            unit="s",
            baseline=m_made,
            baseline_label="with a spare ready, row above",
            note=f"n={len(unready)}",
            details=[
                "The first creation after a migration, or more creations at once than"
                " BRAND_SPARE_SCHEMAS: the template's DDL replayed inside create_brand, bound by"
                " PostgreSQL creating the relations (about 0.3 s of its CPU, times the load)."
            ],
        ),
        Figure(
            group=GROUP,
            name="clone_schema() SQL alone (median), what create_brand used before",
            value=median(clone_sql),
            unit="s",
            baseline=median(replay),
            baseline_label="schema replay alone, tenants.schema_replay",
            note=f"{present:,} brands present, n={len(clone_sql)}",
        ),
        Figure(
            group=GROUP,
            name="Bench fill: brand schemas put in place in bulk, per brand",
            value=per_brand_fill,
            unit="s",
            note="template DDL replayed, 2 schemas a transaction",
            details=[
                "How the bench creates its 1,000 brands (Brand rows with bulk_create, schemas by"
                " the product's template DDL replay, 2 a transaction): not the product's path,"
                " only set-up."
            ],
        ),
    ]
