"""Create a brand from the command line: manage.py create_brand <agency> <slug> <name>."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants import services
from tenants.errors import TenantsError
from tenants.models import Agency


class Command(BaseCommand):
    help = "Create a brand (its schema cloned from the template) in an existing agency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agency", help="slug of the owning agency")
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--locale", default="en")
        parser.add_argument("--currency", default="EUR", help="ISO 4217, e.g. AUD")
        parser.add_argument("--hostname", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency with slug {options['agency']!r}.")
        started = time.perf_counter()
        try:
            brand = services.create_brand(
                agency=agency,
                name=options["name"],
                slug=options["slug"],
                timezone_name=options["timezone"],
                locale=options["locale"],
                currency=options["currency"],
                hostname=options["hostname"],
            )
        except TenantsError as exc:
            raise CommandError(f"{exc.field or 'brand'}: {exc.message}") from exc
        took = time.perf_counter() - started
        self.stdout.write(f"Created brand {brand.slug} (schema {brand.schema_name}) in {took:.2f}s")
