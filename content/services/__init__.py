"""Changes to a brand's content, one module per concern: channels, voice (and audiences), briefs,
the inbox, drafts and generation settings. Runs inside the brand's schema. The generation jobs
live in ``content.services.jobs`` (import the module: ``from content.services import jobs``).

Callers import from here (``from content import services``); the names below are the public
surface and stay stable when a module is reorganised.
"""

from content.services.briefs import create_brief, delete_brief, update_brief
from content.services.channels import create_channel, delete_channel, update_channel
from content.services.drafts import (
    DELETABLE,
    announce_due_drafts,
    delete_draft,
    mark_draft_published,
    mark_draft_ready,
    offer_new_drafts,
    revise_draft,
    schedule_draft,
    send_inbox_reply,
    transition_draft,
    write_draft,
)
from content.services.generation import update_assistant_settings
from content.services.inbox import (
    assign_inbox_item,
    delete_inbox_item,
    ingest_inbox_item,
    move_inbox_item,
)
from content.services.voice import (
    VOICE_FIELDS,
    create_audience,
    create_voice_version,
    delete_audience,
    update_audience,
)

__all__ = [
    "DELETABLE",
    "VOICE_FIELDS",
    "announce_due_drafts",
    "create_audience",
    "create_brief",
    "create_channel",
    "create_voice_version",
    "delete_audience",
    "delete_brief",
    "delete_channel",
    "delete_draft",
    "assign_inbox_item",
    "delete_inbox_item",
    "ingest_inbox_item",
    "move_inbox_item",
    "mark_draft_published",
    "mark_draft_ready",
    "offer_new_drafts",
    "revise_draft",
    "send_inbox_reply",
    "schedule_draft",
    "transition_draft",
    "update_assistant_settings",
    "update_audience",
    "update_brief",
    "update_channel",
    "write_draft",
]
