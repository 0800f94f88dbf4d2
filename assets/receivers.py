"""How assets follow content: a new version of a draft carries its parent's images.

Content announces every draft it offers for review (``content.draft_ready``), in the same
transaction; the worker runs this handler after the commit, retried by the outbox until it
succeeds. The carry is idempotent (a version that already has images is left alone)."""

from __future__ import annotations

from assets.services import carry_assets_to_revision
from content import announcements
from outbox import handlers
from outbox.models import OutboxEvent


def on_draft_ready(event: OutboxEvent) -> None:
    if "parent_id" in event.payload and event.payload["parent_id"] is None:
        return  # a first version: no earlier version's images to carry, nothing to read
    carry_assets_to_revision(draft_id=event.payload["draft_id"])


def connect() -> None:
    """React to content's announcements; called from AssetsConfig.ready."""
    handlers.register(announcements.DRAFT_READY, on_draft_ready, key="assets.carry_to_revision")
