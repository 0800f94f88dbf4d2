"""Worker actors for approvals: the every-minute deadline sweep, the digests and emailing
sign-in links."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from approvals.services import send_digests_everywhere, sweep_due_brands
from approvals.services.sign_in import send_sign_in_link
from brandroom.queues import QUEUE_DEFAULT, QUEUE_HOUSEKEEPING

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


@dramatiq.actor(queue_name=QUEUE_DEFAULT, max_retries=3)
def email_sign_in_link(email: str, next_path: str = "") -> None:
    """Email a sign-in link to the person with this address, if there is one. On the worker,
    so the sign-in page answers as fast for an unknown address as for a known one and never
    waits for the mail server."""
    send_sign_in_link(email=email, next_path=next_path)


@cron("*/5 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=240_000)
def send_notification_digests() -> None:
    """Send each person's digest of non-urgent notices once it is due (every five minutes the
    due ones go). Safe to overlap: entries are claimed with SKIP LOCKED and marked sent with
    their email. No retries: the next run is the retry."""
    sent = send_digests_everywhere(now=timezone.now())
    if any(sent.values()):
        logger.info("Digests sent: %s", sent)
