"""Worker jobs for results: re-judge a brand's KPIs after its data changed, and daily (a KPI
can drift off track with no new data: a total that stops growing)."""

from __future__ import annotations

import dramatiq
from django_tenants.utils import schema_context
from dramatiq_crontab import cron

from results.services.kpis import evaluate_kpis
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
