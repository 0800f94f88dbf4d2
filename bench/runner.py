"""``bench/run [--smoke]``: set up a bench database, run every benchmark, write the table."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from bench import database
from bench.context import ROOT, WORK_DIR, Bench, log
from bench.report import Figure, machine_facts, render
from bench.sizes import FULL, SMOKE

RESULTS = ROOT / "bench" / "RESULTS.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; well under a minute")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the table (default bench/RESULTS.md; smoke: bench/.work/)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated step names to run (setup always runs): "
        "create,routing,drafts,approvals_sweep,ai_jobs,results,cockpit,planning,listening,assets,migrate",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a look")
    parser.add_argument(
        "--brands",
        type=int,
        default=0,
        help="brands present while measuring, instead of the mode's size (1,000 full, tiny "
        "smoke): a figure at an in-between size on a machine too busy to fill 1,000",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", ""),
        help="database name, br_bench* only (default br_bench, smoke br_bench_smoke;"
        " env BENCH_DATABASE) so two runs on one machine do not clash",
    )
    return parser.parse_args(argv)


def configure_django(db_url: str) -> None:
    # The product reads these in brandroom/settings.py; DEBUG off so queries are not recorded.
    os.environ["DATABASE_URL"] = db_url
    os.environ["BRANDROOM_ENV"] = "development"
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    # WhiteNoise warns once per process about the static folder, which the bench never uses.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def steps() -> list[tuple[str, Callable[[Bench], list[Figure]]]]:
    """Every benchmark in run order. Add new figures here (the migrations step stays last: it
    applies throwaway migrations to the database)."""
    from bench.figures import (
        ai_jobs,
        approvals_sweep,
        assets,
        cockpit,
        drafts,
        listening,
        migrations,
        planning,
        results,
        routing,
        tenancy,
    )

    return [
        ("create", tenancy.run),
        ("routing", routing.run),
        ("drafts", drafts.run),
        ("approvals_sweep", approvals_sweep.run),
        ("ai_jobs", ai_jobs.run),
        ("results", results.run),
        ("cockpit", cockpit.run),
        ("planning", planning.run),
        ("listening", listening.run),
        ("assets", assets.run),
        ("migrate", migrations.run),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    if args.brands > 0:
        # The plan roll's brands too: its fill is the slowest part of the planning step.
        sizes = dataclasses.replace(
            sizes, brands=args.brands, plan_roll_brands=min(sizes.plan_roll_brands, args.brands)
        )
    mode = "smoke" if args.smoke else "full"
    db_name = args.database or ("br_bench_smoke" if args.smoke else "br_bench")
    output = args.output or (WORK_DIR / "RESULTS-smoke.md" if args.smoke else RESULTS)
    only = {s for s in args.only.split(",") if s}
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    # A terminated run still stops its servers and drops its database (finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    log(f"{mode} run: database {db_name}")
    database.recreate(db_name)
    figures: list[Figure] = []
    loads: list[str] = []
    failed = False
    try:
        configure_django(database.url(db_name))
        from django.core.management import call_command

        call_command("migrate_schemas", interactive=False, verbosity=0)
        ctx = Bench(
            sizes=sizes, database=db_name, database_url=database.url(db_name), smoke=args.smoke
        )
        ctx.setup_people()
        for name, step in steps():
            if only and name not in only:
                continue
            log(f"step {name}: {step.__module__} (load average {os.getloadavg()[0]:.1f})")
            loads.append(f"{step.__module__.rsplit('.', 1)[-1]} {os.getloadavg()[0]:.1f}")
            try:
                figures += step(ctx)
            except Exception as exc:  # one broken benchmark must not hide the others' numbers
                failed = True
                traceback.print_exc()
                figures.append(
                    Figure(
                        group=step.__module__.rsplit(".", 1)[-1],
                        name=f"step '{name}' failed",
                        value=None,
                        unit="",
                        status=f"ERROR: {type(exc).__name__}: {exc}"[:200],
                    )
                )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            database.drop(db_name)
    facts = [
        *machine_facts(),
        "Load average (1 min) when each step started: " + ", ".join(loads),
        f"PostgreSQL {database.server_version()} at 127.0.0.1:5432",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        render(
            figures=figures,
            mode=mode,
            facts=facts,
            sizes=sizes.as_dict(),
            started=started,
            took_s=time.monotonic() - clock,
        )
    )
    log(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 1 if failed else 0
