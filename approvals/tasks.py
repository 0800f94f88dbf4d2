"""Worker actors for approvals: the every-minute deadline sweep and the digests."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from approvals.services import send_digests_everywhere, sweep_due_brands
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


@cron("*/5 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=240_000)
def send_notification_digests() -> None:
    """Send each person's digest of non-urgent notices once it is due (every five minutes the
    due ones go). Safe to overlap: entries are claimed with SKIP LOCKED and marked sent with
    their email. No retries: the next run is the retry."""
    sent = send_digests_everywhere(now=timezone.now())
    if any(sent.values()):
        logger.info("Digests sent: %s", sent)
