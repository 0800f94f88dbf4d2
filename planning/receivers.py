"""How the plan follows content: an item with a brief follows its drafts (drafted, in review,
approved, scheduled, published).

Content's announcements arrive as outbox events written with each change, run by the worker
after the commit; the item's status is worked out from the drafts as they are then, so a
repeated or late reaction changes nothing, and the reconciler catches any item out of step."""

from __future__ import annotations

from content import announcements
from content import selectors as content
from outbox import handlers
from outbox.models import OutboxEvent
from planning.selectors.plan import pillar_names, planned_count
from planning.services.attention import sync_plan_gap_attention
from planning.services.items import follow_briefs
from results import pillars as results_pillars
from results import plan_counts as results_plan_counts


def on_draft_moved(event: OutboxEvent) -> None:
    """A draft was offered, moved along its table, scheduled or published: its brief's items
    follow (from the drafts as they are now, so events run late or twice agree)."""
    if event.payload.get("followed") is False:
        return  # the brief had no plan item when the draft moved (read in the same transaction)
    brief_id = event.payload.get("brief_id")
    if brief_id is None:
        brief_id = (
            content.drafts()
            .filter(pk=event.payload["draft_id"])
            .values_list("brief_id", flat=True)
            .first()
        )
    if brief_id is not None:
        follow_briefs(brief_ids=[brief_id])


def follow_open_briefs() -> int:
    """The reconciler: every item with a brief, in step with its drafts (catches any item a
    lost reaction left behind)."""
    return follow_briefs()


def connect() -> None:
    """React to content's announcements and tell results which pillars exist; called from
    PlanningConfig.ready."""
    results_pillars.register(pillar_names)
    results_plan_counts.register(lambda start, end: planned_count(start=start, end=end))
    for name in (announcements.DRAFT_MOVED, announcements.DRAFT_PUBLISHED):
        handlers.register(name, on_draft_moved, key="planning.follow_brief")
    handlers.register_reconciler(follow_open_briefs, key="planning.follow_brief")
    handlers.register_reconciler(sync_plan_gap_attention, key="planning.attention")
