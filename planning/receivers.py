"""How the plan follows content: when a draft of an item's brief is published, the item is.

The announcement arrives as an outbox event content wrote with the publication, run by the
worker after the commit; the move is conditional on the item's status, so a repeated or late
reaction changes nothing, and the reconciler catches any item still out of step."""

from __future__ import annotations

from content import announcements
from content import selectors as content
from outbox import handlers
from outbox.models import OutboxEvent
from planning.models import PlanItem
from planning.selectors.plan import pillar_names, planned_count
from planning.services.attention import sync_plan_gap_attention
from planning.services.items import FOLLOWS_PUBLICATION, follow_publication
from results import pillars as results_pillars
from results import plan_counts as results_plan_counts


def on_draft_published(event: OutboxEvent) -> None:
    brief_id = (
        content.drafts()
        .filter(pk=event.payload["draft_id"])
        .values_list("brief_id", flat=True)
        .first()
    )
    if brief_id is not None:
        follow_publication(brief_id=brief_id)


def publish_items_of_published_briefs() -> int:
    """Items whose brief has a published draft but that are still open: publish them."""
    open_briefs = PlanItem.objects.filter(
        brief_id__isnull=False, status__in=FOLLOWS_PUBLICATION
    ).values_list("brief_id", flat=True)
    published = (
        content.drafts()
        .filter(brief_id__in=list(open_briefs), status="published")
        .values_list("brief_id", flat=True)
        .distinct()
    )
    return sum(follow_publication(brief_id=brief_id) for brief_id in published)


def connect() -> None:
    """React to content's announcements and tell results which pillars exist; called from
    PlanningConfig.ready."""
    results_pillars.register(pillar_names)
    results_plan_counts.register(lambda start, end: planned_count(start=start, end=end))
    handlers.register(
        announcements.DRAFT_PUBLISHED, on_draft_published, key="planning.follow_publication"
    )
    handlers.register_reconciler(
        publish_items_of_published_briefs, key="planning.follow_publication"
    )
    handlers.register_reconciler(sync_plan_gap_attention, key="planning.attention")
