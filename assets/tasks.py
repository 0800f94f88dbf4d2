"""Worker jobs for assets: renditions of a new upload."""

from __future__ import annotations

import dramatiq

from brandroom.queues import QUEUE_DEFAULT


@dramatiq.actor(queue_name=QUEUE_DEFAULT, max_retries=3)
def make_asset_renditions(*, asset_id: int) -> None:
    """Thumbnail and phone rendition of one asset, in the brand the message was sent for (safe
    to run twice: a ready asset is left alone)."""
    from assets.services import make_renditions

    make_renditions(asset_id=asset_id)
