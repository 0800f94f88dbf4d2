"""Housekeeping for the HTTP infrastructure, on the worker."""

from __future__ import annotations

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from brandroom.http import idempotency
from brandroom.queues import QUEUE_HOUSEKEEPING


@cron("23 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def expire_idempotency_keys() -> None:
    idempotency.expire_records(now=timezone.now())
