"""Worker jobs for results: re-judge a brand's KPIs after its data changed, and daily (a KPI
can drift off track with no new data: a total that stops growing)."""

from __future__ import annotations

import dramatiq
from django.utils import timezone
from django_tenants.utils import schema_context
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_HOUSEKEEPING
from results.services.kpis import evaluate_kpis
from results.services.readiness import record_brand_readiness
from tenants.models import Brand
from tenants.selectors import current_brand


@dramatiq.actor(max_retries=3)
def evaluate_brand_kpis() -> None:
    """Judge the KPIs of the brand the message was sent for (safe to run twice: an
    unchanged status announces nothing)."""
    evaluate_kpis(brand=current_brand())


@cron("17 * * * *")
@dramatiq.actor
def evaluate_all_kpis() -> None:
    """Hourly: one message per active brand."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        with schema_context(schema):
            evaluate_brand_kpis.send()


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def measure_brand_readiness() -> None:
    """Record this week's readiness of the brand the message was sent for (safe twice: the
    week's row is replaced)."""
    record_brand_readiness(now=timezone.now())


@cron("40 2 * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def measure_readiness_everywhere() -> None:
    """Daily: one message per active brand (the week's last reading stands)."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        with schema_context(schema):
            measure_brand_readiness.send()
