"""Worker jobs for paid media: a periodic sweep that moves boosts along their schedules and
checks pacing. Thin: they load the brand and call media.services.schedules."""

from __future__ import annotations

import logging

import dramatiq
from django_tenants.utils import schema_context
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_HOUSEKEEPING
from media.services.schedules import advance_boost_schedules
from tenants.models import Brand
from tenants.selectors import current_brand

logger = logging.getLogger(__name__)


@cron("*/15 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING)
def sweep_boost_schedules() -> None:
    """Every 15 minutes: one message per active brand, each run in that brand's schema."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        # The brand travels with the message (tenants.worker records the current schema).
        with schema_context(schema):
            advance_brand_boosts.send()


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def advance_brand_boosts() -> None:
    """Start, expire, complete and pacing-check the boosts of the brand the message was sent
    for."""
    brand = current_brand()
    run = advance_boost_schedules(brand=brand)
    logger.info(
        "Boost schedules for %s: %s started, %s expired, %s completed, %s checked",
        brand.slug,
        run.started,
        run.expired,
        run.completed,
        run.checked,
    )
