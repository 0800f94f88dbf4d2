"""Worker jobs for assets: renditions of a new upload, and sweeping away resumable uploads
left unfinished."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_DEFAULT, QUEUE_HOUSEKEEPING
from tenants.models import Brand
from tenants.selectors import current_brand
from tenants.worker import OPTION

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name=QUEUE_DEFAULT, max_retries=3)
def make_asset_renditions(*, asset_id: int) -> None:
    """Thumbnail and phone rendition of one asset, in the brand the message was sent for (safe
    to run twice: a ready asset is left alone)."""
    from assets.services import make_renditions

    make_renditions(asset_id=asset_id)


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
