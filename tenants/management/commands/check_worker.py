"""Tell an operator whether the background machinery works: workers and the scheduler alive
(heartbeats), how far behind each queue is, and a ping through the broker answered by a worker
in the right brand's schema. Exits non-zero on any problem."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from brandroom.liveness.report import max_lag_seconds, report
from tenants import services
from tenants.models import Brand, WorkerPing


class Command(BaseCommand):
    help = (
        "Report worker and scheduler liveness and queue lag, then send a ping through the "
        "broker (optionally for a brand) and wait for a worker. Exits non-zero on a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", help="slug of the brand to send the ping for")
        parser.add_argument("--timeout", type=float, default=15.0)
        parser.add_argument("--no-ping", action="store_true", help="heartbeats and lag only")
        parser.add_argument(
            "--max-lag",
            type=float,
            default=None,
            help="seconds the oldest due message of a queue may wait "
            "(default QUEUE_MAX_LAG_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schema = "public"
        if options["brand"]:
            brand = Brand.objects.filter(slug=options["brand"]).first()
            if brand is None:
                raise CommandError(f"No brand with slug {options['brand']!r}.")
            schema = brand.schema_name

        limit = options["max_lag"] if options["max_lag"] is not None else max_lag_seconds()
        state = report(max_lag=limit)
        for what in (state.worker, state.scheduler):
            last = (
                "never" if what.last_beat_seconds is None else f"{what.last_beat_seconds:.0f} s ago"
            )
            self.stdout.write(f"{what.kind}: {what.alive} alive (last heartbeat {last})")
        for lag in state.queues:
            oldest = "-" if lag.oldest_seconds is None else f"{lag.oldest_seconds:.0f} s"
            self.stdout.write(f"queue {lag.name}: {lag.waiting} waiting, oldest {oldest}")
        problems = list(state.problems)

        if not options["no_ping"] and state.worker.alive:
            problems.extend(self._ping(schema, options["timeout"]))
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS(f"OK (queue lag limit {limit:.0f} s)"))

    def _ping(self, schema: str, timeout: float) -> list[str]:
        with schema_context(schema):
            ping = services.request_worker_ping()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ping = WorkerPing.objects.get(pk=ping.pk)
            if ping.completed_at:
                took = (ping.completed_at - ping.created_at).total_seconds()
                self.stdout.write(
                    f"Worker answered in {took:.2f}s from schema {ping.ran_in_schema}"
                )
                if ping.ran_in_schema != schema:
                    return [f"Expected schema {schema}, got {ping.ran_in_schema}."]
                return []
            time.sleep(0.2)
        return [f"No worker answered within {timeout}s."]
