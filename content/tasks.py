"""Worker actors of the content app. Thin: load by id, call a service, record the outcome."""

from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from dramatiq.middleware import CurrentMessage
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_AI, QUEUE_HOUSEKEEPING
from content.services import inbox, jobs
from tenants.worker import BrandContextUnavailable

logger = logging.getLogger(__name__)

# Retries of a message that met a database outage: backoff doubles up to the AI backoff cap,
# so this spans well over an hour; the stuck-jobs sweep covers anything longer.
DATABASE_RETRIES = 20


def _retry_when(retries: int, exc: Exception) -> bool:
    # The job counts its own provider attempts and marks itself failed on the last one. A
    # database error decided nothing: retry the message rather than drop it.
    if isinstance(exc, (*jobs.DATABASE_UNAVAILABLE, BrandContextUnavailable)):
        return retries < DATABASE_RETRIES
    return isinstance(exc, jobs.RetryLater)


@dramatiq.actor(
    queue_name=QUEUE_AI,
    max_retries=settings.AI_JOB_MAX_ATTEMPTS,
    min_backoff=settings.AI_RETRY_MIN_BACKOFF_MS,
    max_backoff=settings.AI_RETRY_MAX_BACKOFF_MS,
    retry_when=_retry_when,
    time_limit=int(jobs.run_time_limit_seconds() * 1000),
)
def run_generation_job(job_id: int) -> None:
    """Run one generation job in its brand (the brand travels with the message)."""
    message = CurrentMessage.get_current_message()
    jobs.run_job(job_id=job_id, message_id=message.message_id if message else "")


@cron("*/1 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=55_000)
def requeue_stuck_generation_jobs() -> None:
    """Send again every AI job whose message is gone, in every active brand. Safe to run twice
    or overlapping (SKIP LOCKED, and the job's claim lets one run do the work); no retries:
    the next minute's run is the retry."""
    from tenants.models import Brand

    now = timezone.now()
    for brand in Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("pk"):
        with tenant_context(brand):
            jobs.requeue_stuck_jobs(now=now)


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def work_brand_inbox_deadlines() -> None:
    """Remind and escalate the inbox items of the brand the message was sent for."""
    inbox.remind_and_escalate_inbox(now=timezone.now())


@cron("*/2 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=55_000)
def work_inbox_deadlines_everywhere() -> None:
    """Every two minutes, one message per brand with an open inbox item due within a day (read
    from the public attention rollup, so brands with nothing due cost nothing)."""
    from tenants.attention.models import AttentionKind, AttentionRow
    from tenants.models import Brand

    soon = timezone.now() + timedelta(days=1)
    brand_ids = (
        AttentionRow.objects.filter(kind=AttentionKind.INBOX_ITEM, due_at__lte=soon)
        .values_list("brand_id", flat=True)
        .distinct()
    )
    for brand in Brand.objects.filter(pk__in=brand_ids, status=Brand.Status.ACTIVE).order_by("pk"):
        with tenant_context(brand):
            work_brand_inbox_deadlines.send()


@cron("*/1 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=55_000)
def announce_due_drafts_everywhere() -> None:
    """Every minute, in every active brand: announce the scheduled drafts whose publish time
    has come ("draft.due"). Safe to overlap (each draft is claimed once, SKIP LOCKED); no
    retries: the next minute's run is the retry."""
    from content.services import announce_due_drafts
    from tenants.models import Brand

    now = timezone.now()
    for brand in Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("pk"):
        with tenant_context(brand):
            announce_due_drafts(now=now)
