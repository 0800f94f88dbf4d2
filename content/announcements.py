"""What content announces for other apps to react to, as outbox events (``outbox.services``)
written in the same transaction as the change, so content never knows who listens.

Payloads hold ids and facts, never model instances; the brand is the schema the row is in.
"""

# A draft has been checked and scored and is ready for the brand's approvals policy to decide
# what happens next (approvals routes it; integrations announces "draft.ready").
# Payload: ``draft_id``, ``parent_id`` (the version it revises; None for a first version, which
# has no earlier version's images to carry; absent in events written before it was added).
DRAFT_READY = "content.draft_ready"

# A generation job has finally failed ("draft.failed" for integrators).
# Payload: ``job_id``, ``code``, ``reason``.
DRAFT_FAILED = "content.draft_failed"

# An integrator reported that an approved draft went out ("post.published").
# Payload: ``draft_id``.
DRAFT_PUBLISHED = "content.draft_published"

# A draft written for a brief moved along its transition table, or got a new publish time
# (planning follows its plan items with it). Payload: ``draft_id``, ``brief_id``, ``status``,
# and ``followed`` False when the writer read that nothing followed the brief (no plan item).
DRAFT_MOVED = "content.draft_moved"

# An approved, unpublished draft was edited: its new version goes to review and this one may no
# longer go out ("draft.superseded" for integrators). Payload: ``draft_id``, ``superseded_by``.
DRAFT_SUPERSEDED = "content.draft_superseded"

# An approved draft's publish time has come ("draft.due" for integrators); once per publish
# time. Payload: ``draft_id``, ``publish_at``.
DRAFT_DUE = "content.draft_due"

# An inbox item arrived (listening turns it into a signal for the crisis watch).
# Payload: ``item_id``.
INBOX_ITEM_RECEIVED = "content.inbox_item_received"
