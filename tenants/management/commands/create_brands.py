"""Create many brands from a CSV file, with progress: manage.py create_brands brands.csv.

Columns (a header row names them): ``agency``, ``slug``, ``name`` and, optionally,
``timezone``, ``locale``, ``currency``, ``hostname``. Each brand is created on its own (its
schema cloned from the template); one that cannot be made is reported with why and the others
go on; the command exits non-zero when any failed, naming them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brandroom.progress import track
from tenants import services
from tenants.errors import TenantsError
from tenants.models import Agency

REQUIRED = ("agency", "slug", "name")


class Command(BaseCommand):
    help = "Create brands listed in a CSV file (agency, slug, name[, timezone, locale, ...])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv_file"]
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        missing = [c for c in REQUIRED if rows and c not in rows[0]]
        if missing:
            raise CommandError(f"{path}: the header has no column {', '.join(missing)}.")
        agencies = {a.slug: a for a in Agency.objects.all()}
        verbosity = options.get("verbosity", 1)
        out = self.stdout._out  # the real stream: a live bar must not pass through OutputWrapper
        with track("create brands", len(rows), stream=out, quiet=verbosity == 0) as progress:
            for line, row in enumerate(rows, start=2):
                name = row.get("slug") or f"line {line}"
                progress.start(name)
                try:
                    agency = agencies.get(row.get("agency", ""))
                    if agency is None:
                        raise TenantsError(f"no agency {row.get('agency')!r}", field="agency")
                    services.create_brand(
                        agency=agency,
                        slug=row["slug"],
                        name=row["name"],
                        timezone_name=row.get("timezone") or "UTC",
                        locale=row.get("locale") or "en",
                        currency=row.get("currency") or "EUR",
                        hostname=row.get("hostname") or None,
                    )
                except TenantsError as exc:
                    progress.fail(name, f"line {line}, {exc.field or 'brand'}: {exc.message}")
                progress.advance(name)
        if verbosity >= 1 or progress.failures:
            self.stdout.write(progress.summary())
        if progress.failures:
            names = ", ".join(name for name, _ in progress.failures)
            raise CommandError(f"{len(progress.failures)} of {len(rows)} brands failed: {names}")
