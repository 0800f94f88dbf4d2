"""Worker actors for approvals: the every-minute deadline sweep."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from approvals.services import sweep_due_brands
from brandroom.queues import QUEUE_HOUSEKEEPING

logger = logging.getLogger(__name__)


@cron("*/1 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=55_000)
def sweep_approval_deadlines() -> None:
    """Send due reminders, escalate breached steps and apply timeout rules in every brand with
    due work. Safe to run twice or overlapping: steps are claimed with SKIP LOCKED and each
    one's due time moves on once handled. No retries: the next minute's run is the retry."""
    handled = sweep_due_brands(now=timezone.now())
    if handled:
        logger.info("Approvals sweep handled %s", handled)
