"""Worker jobs for assets: renditions of a new upload, the assistant's alt-text suggestions,
and sweeping away resumable uploads left unfinished."""

from __future__ import annotations

import logging

import dramatiq
from django.conf import settings
from django_tenants.utils import tenant_context
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_AI, QUEUE_DEFAULT, QUEUE_HOUSEKEEPING
from tenants.models import Brand
from tenants.selectors import current_brand
from tenants.worker import OPTION

logger = logging.getLogger(__name__)


# A time limit well inside ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS (with the retries' backoff),
# so the sweep for lost messages never doubles a run that is still going.
@dramatiq.actor(queue_name=QUEUE_DEFAULT, max_retries=3, time_limit=120_000)
def make_asset_renditions(*, asset_id: int) -> None:
    """Thumbnail and phone rendition of one asset, in the brand the message was sent for (safe
    to run twice: a ready asset is left alone)."""
    from assets.services import make_renditions

    make_renditions(asset_id=asset_id)


def _retry_suggestion(retries: int, exc: Exception) -> bool:
    from assets.alt_text_suggestions import RetryLater
    from content.services.jobs import DATABASE_UNAVAILABLE
    from tenants.worker import BrandContextUnavailable

    # The suggestion counts its own provider attempts and marks itself failed on the last one;
    # a database error decided nothing, so the message is retried rather than dropped.
    if isinstance(exc, (*DATABASE_UNAVAILABLE, BrandContextUnavailable)):
        return retries < 20
    return isinstance(exc, RetryLater)


@dramatiq.actor(
    queue_name=QUEUE_AI,
    max_retries=settings.AI_JOB_MAX_ATTEMPTS,
    min_backoff=settings.AI_RETRY_MIN_BACKOFF_MS,
    max_backoff=settings.AI_RETRY_MAX_BACKOFF_MS,
    retry_when=_retry_suggestion,
)
def suggest_alt_text(*, suggestion_id: int) -> None:
    """Write one alt-text suggestion in its brand, on the AI queue like drafts (safe to run
    twice: only a queued suggestion is taken)."""
    from assets.alt_text_suggestions import write_alt_text_suggestion

    write_alt_text_suggestion(suggestion_id=suggestion_id)


@cron("*/1 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=55_000)
def requeue_stuck_asset_work() -> None:
    """Every minute, in every active brand, send again the alt-text suggestions and the
    renditions whose message is gone (see ``requeue_stuck_suggestions`` and
    ``requeue_stuck_renditions``); the next minute's run is the retry."""
    from assets.alt_text_suggestions import requeue_stuck_suggestions
    from assets.services import requeue_stuck_renditions

    for brand in Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("pk"):
        with tenant_context(brand):
            requeue_stuck_suggestions()
            requeue_stuck_renditions()


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def remove_brand_expired_uploads() -> None:
    """Delete the expired resumable uploads (and their bytes) of the brand the message was sent
    for (safe to run twice: a second run finds nothing)."""
    from assets.resumable.services import remove_expired_uploads

    removed = remove_expired_uploads()
    if removed:
        logger.info("Removed %s expired uploads of %s", removed, current_brand().slug)


@cron("17 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def remove_expired_uploads_everywhere() -> None:
    """Hourly (uploads expire a day after their latest piece): one message per active brand,
    each run in that brand's schema."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        remove_brand_expired_uploads.send_with_options(**{OPTION: schema})
