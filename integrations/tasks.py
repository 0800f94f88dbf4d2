"""Worker actors for integrations: webhook delivery and housekeeping."""

from __future__ import annotations

import dramatiq
from django.utils import timezone
from django_tenants.utils import schema_context
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_HOUSEKEEPING, QUEUE_WEBHOOKS
from integrations import services
from tenants.models import Brand


def _active_brand_schemas() -> list[str]:
    # Periodic work fans out as one message per brand, each carrying its brand (recorded at
    # enqueue by tenants.worker), so one brand's trouble never holds up another's.
    return list(
        Brand.objects.filter(status=Brand.Status.ACTIVE).values_list("schema_name", flat=True)
    )


# Retries are ours (services.attempt_delivery schedules them with backoff and logs each one),
# so dramatiq must not retry on top.
@dramatiq.actor(queue_name=QUEUE_WEBHOOKS, max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    services.attempt_delivery(delivery_id=delivery_id, now=timezone.now())


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def requeue_brand_stalled_deliveries() -> None:
    services.requeue_stalled_deliveries(now=timezone.now())


@cron("*/10 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def sweep_stalled_deliveries() -> None:
    for schema_name in _active_brand_schemas():
        with schema_context(schema_name):
            requeue_brand_stalled_deliveries.send()


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def prune_brand_events() -> None:
    services.prune_events(now=timezone.now())


@cron("41 3 * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def prune_events_everywhere() -> None:
    for schema_name in _active_brand_schemas():
        with schema_context(schema_name):
            prune_brand_events.send()
