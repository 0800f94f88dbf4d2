"""Check that a worker consumes messages and runs them in the right brand's schema."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from tenants import services
from tenants.models import Brand, WorkerPing


class Command(BaseCommand):
    help = "Send a ping through the broker (optionally for a brand) and wait for a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", help="slug of the brand to send the ping for")
        parser.add_argument("--timeout", type=float, default=15.0)

    def handle(self, *args: Any, **options: Any) -> None:
        schema = "public"
        if options["brand"]:
            brand = Brand.objects.filter(slug=options["brand"]).first()
            if brand is None:
                raise CommandError(f"No brand with slug {options['brand']!r}.")
            schema = brand.schema_name
        with schema_context(schema):
            ping = services.request_worker_ping()
        deadline = time.monotonic() + options["timeout"]
        while time.monotonic() < deadline:
            ping = WorkerPing.objects.get(pk=ping.pk)
            if ping.completed_at:
                took = (ping.completed_at - ping.created_at).total_seconds()
                self.stdout.write(
                    f"Worker answered in {took:.2f}s from schema {ping.ran_in_schema}"
                )
                if ping.ran_in_schema != schema:
                    raise CommandError(f"Expected schema {schema}, got {ping.ran_in_schema}.")
                return
            time.sleep(0.2)
        raise CommandError(f"No worker answered within {options['timeout']}s.")
