"""``migrate_schemas`` over every brand: with nothing to apply, and with one new migration.

Issue 8 and 20: nothing to apply over 1,000 brands <= 10 s (brands already up to date are found
with one query and skipped; ``+all-brands`` times the forced walk of every brand), one new
migration applied to 1,000 brands <= 60 s; say which executor and parallelism give the figure.
Each run is a real ``manage.py migrate_schemas --noinput -v 0`` process (as platform/launcher.py
runs it), timed wall-clock, so Django start-up, the public schema and the brand template (our
migrate_schemas keeps it migrated) are included.

The new migration never touches the repository: it is written into a temporary copy of the
code under bench/.work/ (an AddField on content.Channel, with the field added to the copy's
model so state and models agree), run from there, and the copy is deleted afterwards. This step
runs last because it leaves that column in the bench database, which is dropped at the end.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from bench.context import ROOT, WORK_DIR, Bench, log
from bench.report import Figure
from bench.stats import median

GROUP = "migrate_schemas"
TARGET_S = 10.0  # nothing to apply
NEW_TARGET_S = 60.0  # one new migration
BREAKDOWN_BRANDS = 11  # the first only warms up
RUN_TIMEOUT_S = 1800  # one migrate_schemas run; the loop over variants is bounded by the list
COPY_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    ".data",
    ".work",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    "tests",
)


# Variant options that are not command-line flags but code loaded with the settings (none now:
# the fast has_table() prototype became tenants/migration_recorder.py).
PROTOTYPES: dict[str, str] = {}
# Flags that force more work than the product does by default: never the headline.
FORCED = {"all-brands"}


def _parse(variant: str) -> tuple[str, str, list[str]]:
    """``executor[:processes][+skip-checks][+all-brands]`` -> executor, processes, options."""
    head, *options = variant.split("+")
    executor, _, processes = head.partition(":")
    return executor, processes, options


def _settings_module(folder: Path, variant: str) -> tuple[str, list[str]]:
    """A settings module for the variant (processes are a setting, not a flag) and the flags."""
    executor, processes, options = _parse(variant)
    name = "bench_migrate_" + re.sub(r"\W", "_", variant)
    lines = ["from brandroom.settings import *  # noqa: F403"]
    if processes:
        lines.append(f"TENANT_MULTIPROCESSING_MAX_PROCESSES = {int(processes)}")
        lines.append(f"TENANT_SUBPROCESS_PARALLEL = {int(processes)}")
    for option in options:
        if option in PROTOTYPES:
            lines.append(f"import {PROTOTYPES[option]}")
            lines.append(f"{PROTOTYPES[option]}.install()")
    (folder / f"{name}.py").write_text("\n".join(lines) + "\n")
    flags = [f"--{option}" for option in options if option not in PROTOTYPES]
    return name, ["--executor", executor, *flags]


def _migrate(code_root: Path, settings_dir: Path, variant: str, *extra: str) -> float:
    name, flags = _settings_module(settings_dir, variant)
    cmd = [
        sys.executable,
        str(code_root / "manage.py"),
        "migrate_schemas",
        "--noinput",
        "-v",
        "0",
        *flags,
        *extra,
        "--settings",
        name,
        "--pythonpath",
        str(settings_dir),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    started = time.perf_counter()
    # Its own process group, so an interrupted bench also stops the executor's pool children.
    proc = subprocess.Popen(
        cmd,
        cwd=code_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _out, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"migrate_schemas ({variant}) failed: {err[-800:]}")
    return took


def _describe(variant: str) -> str:
    executor, processes, options = _parse(variant)
    if executor == "multiprocessing":
        text = f"multiprocessing, TENANT_MULTIPROCESSING_MAX_PROCESSES={processes}"
    elif executor == "subprocess":
        text = f"subprocess, --parallel {processes or 1}"
    else:
        text = "standard (one process, brands in turn)"
    return text + "".join(
        f", {option} (bench prototype, bench/recorder_check.py)"
        if option in PROTOTYPES
        else f", --{option}"
        for option in options
    )


# Where a no-op migrate of one brand spends its time (cumulative, from a profile).
PARTS = {
    "table list (catalog scan)": ("postgresql_backend/introspection.py", "get_table_list"),
    "system checks": ("django/core/checks/registry.py", "run_checks"),
    "post_migrate handlers": ("django/core/management/sql.py", "emit_post_migrate_signal"),
    "rendering migration states": ("django/db/migrations/state.py", "render_multiple"),
}


def _breakdown(schemas: list[str]) -> tuple[float, dict[str, float]]:
    """Profile a no-op migrate of a few brands in-process: seconds per brand, share per part."""
    from django.core.management.commands.migrate import Command as Migrate
    from django_tenants.migration_executors.base import run_migrations

    # Exactly what each executor does per brand, with the options the command line gives.
    options = vars(Migrate().create_parser("manage.py", "migrate").parse_args(["--noinput"]))
    options["verbosity"] = 0
    run_migrations([], dict(options), "standard", schemas[0])  # warm-up: imports, URL checks
    profile = cProfile.Profile()
    profile.enable()
    for schema in schemas[1:]:
        run_migrations([], dict(options), "standard", schema)
    profile.disable()
    connection.set_schema_to_public()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in stats.values())
    parts = {}
    for label, (suffix, function) in PARTS.items():
        parts[label] = (
            sum(
                ct
                for (filename, _, name), (_, _, _, ct, _) in stats.items()
                if name == function and filename.endswith(suffix)
            )
            / total
        )
    return total / (len(schemas) - 1), parts


def _add_migration(copy: Path, number: int, after: tuple[str, str]) -> tuple[str, str]:
    name = f"{number:04d}_bench_probe"
    field = f"bench_probe_{number}"
    (copy / "content" / "migrations" / f"{name}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{after!r}]\n"
        "    operations = [\n"
        f"        migrations.AddField('channel', '{field}',"
        " models.TextField(null=True, blank=True)),\n"
        "    ]\n"
    )
    with (copy / "content" / "models.py").open("a") as models_py:
        models_py.write(
            f"\n\nChannel.add_to_class('{field}', models.TextField(null=True, blank=True))\n"
        )
    return ("content", name)


def _schemas_with_column(column: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'content_channel' AND column_name = %s",
            [column],
        )
        return int(cursor.fetchone()[0])


def run(ctx: Bench) -> list[Figure]:
    from tenants.models import Brand

    sizes = ctx.sizes
    brands = Brand.objects.count()
    scratch = WORK_DIR / f"migrate-{os.getpid()}"
    settings_dir = scratch / "settings"
    settings_dir.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []
    try:
        noop: dict[str, float] = {}
        for variant in sizes.migrate_variants:
            noop[variant] = _migrate(ROOT, settings_dir, variant)
            log(f"migrate nothing to apply, {variant}: {noop[variant]:.1f}s")
        sample = list(
            Brand.objects.order_by("pk").values_list("schema_name", flat=True)[:BREAKDOWN_BRANDS]
        )
        per_brand_profiled, parts = _breakdown(sample)
        # What each subprocess-executor child does: a whole Django start-up for one schema.
        some_schema = Brand.objects.order_by("pk").values_list("schema_name", flat=True).first()
        child = [
            _migrate(ROOT, settings_dir, "standard", "--schema", str(some_schema))
            for _ in range(sizes.subprocess_children)
        ]

        copy = scratch / "code"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        leaf = max(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("content"))
        new: dict[str, float] = {}
        for number, variant in enumerate(sizes.migrate_new_variants, start=100):
            leaf = _add_migration(copy, number, leaf)
            new[variant] = _migrate(copy, settings_dir, variant)
            migrated = _schemas_with_column(f"bench_probe_{number}")
            if migrated < brands + 1:  # every brand and the template
                raise RuntimeError(f"the new migration reached {migrated} of {brands + 1} schemas")
            log(f"migrate one new migration, {variant}: {new[variant]:.1f}s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    # The headline is what the product can do today: prototypes only show what a fix would give.
    product = {v: t for v, t in noop.items() if not set(_parse(v)[2]) & (set(PROTOTYPES) | FORCED)}
    best = min(product or noop, key=noop.__getitem__)
    standard = noop.get("standard")
    figures.append(
        Figure(
            group=GROUP,
            name=f"Nothing to apply, {brands:,} brands, best executor",
            value=noop[best],
            unit="s",
            target=TARGET_S,
            note=_describe(best),
            details=[
                "Wall-clock of `manage.py migrate_schemas --noinput -v 0` (start-up, public"
                " schema, every brand, then the template). Per brand: "
                + (
                    f"{standard / brands * 1000:.0f} ms with the standard executor"
                    if standard
                    else f"{noop[best] / brands * 1000:.0f} ms with the best executor"
                )
                + f". A profile of"
                f" {len(sample)} brands migrated in-process ({per_brand_profiled * 1000:.0f} ms"
                " each under the profiler) puts the time in: "
                + ", ".join(f"{label} {share * 100:.0f} %" for label, share in parts.items())
                + ". By default brands whose django_migrations already records every migration"
                " of the code are found with one UNION ALL query per 500 schemas and skipped, so"
                " the headline is Django start-up, the public schema, that query and the"
                " template; the +all-brands rows force the walk of every brand, which is what"
                " a brand behind the code costs. Per brand walked the table list no longer"
                " scans all of pg_class (tenants/migration_recorder.py looks up the one"
                " django_migrations table); the rest (migration state rendering, post_migrate"
                " content types) is CPU in Python per schema, so on 2 cores parallel executors"
                " gain at most about 2x."
            ],
        )
    )
    for variant, took in noop.items():
        plain = variant.split("+", 1)[0]
        if variant == "standard":
            baseline, label = None, ""
        elif set(_parse(variant)[2]) & FORCED and plain in noop:
            baseline, label = noop[plain], "same executor, up-to-date brands skipped"
        elif plain != variant and plain in noop:
            baseline, label = noop[plain], "same executor without it"
        else:
            baseline, label = standard, "standard executor"
        figures.append(
            Figure(
                group=GROUP,
                name=f"Nothing to apply: {_describe(variant)}",
                value=took,
                unit="s",
                target=None if set(_parse(variant)[2]) & FORCED else TARGET_S,
                baseline=baseline,
                baseline_label=label if baseline else "",
            )
        )
    projected = median(child) * brands / 2
    figures.append(
        Figure(
            group=GROUP,
            name="Nothing to apply, every brand walked: subprocess, --parallel 2 (projected)",
            value=projected,
            unit="s",
            baseline=standard,
            baseline_label="standard executor" if standard else "",
            note=f"one child {median(child):.2f} s x {brands:,} brands / 2",
            details=[
                "The subprocess executor starts a fresh `manage.py migrate_schemas --schema`"
                " per brand; timed for that one child (median of"
                f" {len(child)}) and multiplied out rather than run 1,000 times."
            ],
        )
    )
    for variant, took in new.items():
        figures.append(
            Figure(
                group=GROUP,
                name=f"One new migration (AddField): {_describe(variant)}",
                value=took,
                unit="s",
                target=NEW_TARGET_S,
                baseline=noop.get(variant + "+all-brands", noop.get(variant)),
                baseline_label="same executor, nothing to apply, every brand walked"
                if variant + "+all-brands" in noop
                else "same executor, nothing to apply",
                details=[
                    f"Applied to all {brands:,} brands and the template (checked in the"
                    " catalog); the ratio is the cost of the migration on top of the no-op run."
                ]
                if variant == next(iter(new))
                else [],
            )
        )
    return figures
