"""``migrate_schemas`` over every brand: with nothing to apply, and with one new migration.

Issue 8: nothing to apply over 1,000 brands <= 60 s; also one new migration; say which executor
and parallelism give the figure. Each run is a real ``manage.py migrate_schemas --noinput -v 0``
process (as platform/launcher.py runs it), timed wall-clock, so Django start-up, the public
schema and the brand template (our migrate_schemas keeps it migrated) are included.

The new migration never touches the repository: it is written into a temporary copy of the
code under bench/.work/ (an AddField on content.Channel, with the field added to the copy's
model so state and models agree), run from there, and the copy is deleted afterwards. This step
runs last because it leaves that column in the bench database, which is dropped at the end.
"""

from __future__ import annotations

import os
import shutil
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
TARGET_S = 60.0
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


def _settings_module(folder: Path, variant: str) -> tuple[str, list[str]]:
    """A settings module for the variant (processes are a setting, not a flag) and the flags."""
    executor, _, processes = variant.partition(":")
    name = "bench_migrate_" + variant.replace(":", "_")
    lines = ["from brandroom.settings import *  # noqa: F403"]
    if processes:
        lines.append(f"TENANT_MULTIPROCESSING_MAX_PROCESSES = {int(processes)}")
        lines.append(f"TENANT_SUBPROCESS_PARALLEL = {int(processes)}")
    (folder / f"{name}.py").write_text("\n".join(lines) + "\n")
    return name, ["--executor", executor]


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
    done = subprocess.run(
        cmd, cwd=code_root, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"migrate_schemas ({variant}) failed: {done.stderr[-800:]}")
    return took


def _describe(variant: str) -> str:
    executor, _, processes = variant.partition(":")
    if executor == "multiprocessing":
        return f"multiprocessing, TENANT_MULTIPROCESSING_MAX_PROCESSES={processes}"
    if executor == "subprocess":
        return f"subprocess, --parallel {processes or 1}"
    return "standard (one process, brands in turn)"


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

    best = min(noop, key=noop.__getitem__)
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
                f"Wall-clock of `manage.py migrate_schemas --noinput -v 0` (start-up, public"
                f" schema, every brand, then the template). Per brand with the standard executor:"
                f" {(standard or noop[best]) / brands * 1000:.0f} ms, spent building Django's"
                f" migration plan, checking the recorder table, reconnecting (django-tenants"
                f" closes the connection after each schema) and the post_migrate handlers"
                f" (content types) for every schema; it is CPU in Python, so on 2 cores"
                f" parallelism gains at most about 2x."
            ],
        )
    )
    for variant, took in noop.items():
        figures.append(
            Figure(
                group=GROUP,
                name=f"Nothing to apply: {_describe(variant)}",
                value=took,
                unit="s",
                target=TARGET_S,
                baseline=standard if variant != "standard" else None,
                baseline_label="standard executor" if variant != "standard" else "",
            )
        )
    projected = median(child) * brands / 2
    figures.append(
        Figure(
            group=GROUP,
            name="Nothing to apply: subprocess, --parallel 2 (projected)",
            value=projected,
            unit="s",
            target=TARGET_S,
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
                baseline=noop.get(variant),
                baseline_label="same executor, nothing to apply",
                details=[
                    f"Applied to all {brands:,} brands and the template (checked in the"
                    " catalog); the ratio is the cost of the migration on top of the no-op run."
                ]
                if variant == next(iter(new))
                else [],
            )
        )
    return figures
