"""Worker actors for integrations: webhook delivery and housekeeping."""

from __future__ import annotations

import dramatiq
from django.utils import timezone
from django_tenants.utils import schema_context
from dramatiq_crontab import cron

from integrations import idempotency, services
from tenants.models import Brand


# Retries are ours (services.attempt_delivery schedules them with backoff and logs each one),
# so dramatiq must not retry on top.
@dramatiq.actor(max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    services.attempt_delivery(delivery_id=delivery_id, now=timezone.now())


@dramatiq.actor(max_retries=0)
def requeue_stalled_deliveries() -> None:
    services.requeue_stalled_deliveries(now=timezone.now())


@cron("*/10 * * * *")
@dramatiq.actor(max_retries=0)
def sweep_stalled_deliveries() -> None:
    # One message per brand, each carrying its brand (recorded at enqueue by tenants.worker).
    for schema_name in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        with schema_context(schema_name):
            requeue_stalled_deliveries.send()


@cron("23 * * * *")
@dramatiq.actor(max_retries=0)
def expire_idempotency_keys() -> None:
    idempotency.expire_records(now=timezone.now())
