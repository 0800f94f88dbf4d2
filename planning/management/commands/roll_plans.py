"""Roll every active brand's plan now (what the scheduler's ``roll_plans_everywhere`` does),
with progress; ``--brand`` rolls one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from brandroom.progress import track
from planning.services.roll import roll_plan
from tenants.models import Brand


class Command(BaseCommand):
    help = (
        "Extend every active brand's plan to twelve months ahead and close the months that "
        "have passed. Safe to run twice: the second run adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", help="Roll only the brand with this slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        brands = Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("slug")
        if options.get("brand"):
            brands = brands.filter(slug=options["brand"])
            if not brands.exists():
                raise CommandError(f"There is no active brand '{options['brand']}'.")
        brands_list = list(brands)
        verbosity = options.get("verbosity", 1)
        out = self.stdout._out  # the real stream: a live bar must not pass through OutputWrapper
        changed = 0
        with track("roll plans", len(brands_list), stream=out, quiet=verbosity == 0) as progress:
            for brand in brands_list:
                progress.start(brand.slug)
                try:
                    with schema_context(brand.schema_name):
                        outcome = roll_plan(brand=brand)
                except Exception as exc:  # one brand's failure must not stop the others
                    progress.fail(brand.slug, str(exc))
                else:
                    if outcome.added or outcome.closed:
                        changed += 1
                        if verbosity >= 2:
                            self.stdout.write(f"{brand.slug}: {outcome}")
                progress.advance(brand.slug)
        if verbosity >= 1 or progress.failures:
            self.stdout.write(progress.summary() + f"; {changed} plans changed")
        if progress.failures:
            raise CommandError(f"{len(progress.failures)} of {len(brands_list)} brands failed.")
