"""What content announces for other apps to react to, as outbox events (``outbox.services``)
written in the same transaction as the change, so content never knows who listens.

Payloads hold ids and facts, never model instances; the brand is the schema the row is in.
"""

# A draft has been checked and scored and is ready for the brand's approvals policy to decide
# what happens next (approvals routes it; integrations announces "draft.ready").
# Payload: ``draft_id``.
DRAFT_READY = "content.draft_ready"

# A generation job has finally failed ("draft.failed" for integrators).
# Payload: ``job_id``, ``code``, ``reason``.
DRAFT_FAILED = "content.draft_failed"

# An integrator reported that an approved draft went out ("post.published").
# Payload: ``draft_id``.
DRAFT_PUBLISHED = "content.draft_published"

# An inbox item arrived (listening turns it into a signal for the crisis watch).
# Payload: ``item_id``.
INBOX_ITEM_RECEIVED = "content.inbox_item_received"
