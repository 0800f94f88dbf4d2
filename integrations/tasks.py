"""Worker actors for integrations: webhook delivery and housekeeping."""

from __future__ import annotations

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from integrations import idempotency, services


# Retries are ours (services.attempt_delivery schedules them with backoff and logs each one),
# so dramatiq must not retry on top.
@dramatiq.actor(max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    services.attempt_delivery(delivery_id=delivery_id, now=timezone.now())


@cron("23 * * * *")
@dramatiq.actor(max_retries=0)
def expire_idempotency_keys() -> None:
    idempotency.expire_records(now=timezone.now())
