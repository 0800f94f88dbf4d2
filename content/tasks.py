"""Worker actors of the content app. Thin: load by id, call a service, record the outcome."""

from __future__ import annotations

import dramatiq
from django.conf import settings

from content.assistant import jobs


def _retry_when(retries: int, exc: Exception) -> bool:
    # The job counts its own attempts and marks itself failed on the last one.
    return isinstance(exc, jobs.RetryLater)


@dramatiq.actor(
    max_retries=settings.AI_JOB_MAX_ATTEMPTS,
    min_backoff=settings.AI_RETRY_MIN_BACKOFF_MS,
    max_backoff=settings.AI_RETRY_MAX_BACKOFF_MS,
    retry_when=_retry_when,
    time_limit=int(jobs.run_time_limit_seconds() * 1000),
)
def run_generation_job(job_id: int) -> None:
    """Run one generation job in its brand (the brand travels with the message)."""
    jobs.run_job(job_id=job_id)
