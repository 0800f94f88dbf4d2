"""What approvals announces for other apps (media, integrations) to react to, as outbox events
written in the same transaction as the change (see ``outbox.services``), so approvals never
knows who listens and no reaction is lost after the commit.

Payloads hold ids and facts; the brand is the schema the row is in.
"""

# A request finished with a decision or by its deadline. Payload: ``request_id``,
# ``subject_kind`` ("post" | "reply" | "boost"), ``subject_id``, ``outcome`` ("approved" |
# "rejected" | "changes_requested" | "expired"). Drafts are moved by approvals itself; boosts by
# the media app reacting to this.
REQUEST_FINISHED = "approvals.request_finished"

# The brand entered or stood down from crisis mode. Payload: ``active``. Reactions should look
# at the brand's crisis state when they run (a later change may have followed).
CRISIS_CHANGED = "approvals.crisis_changed"

# Something people or integrators should hear about. Payload: ``notice`` ("request_opened",
# "request_withdrawn", "reminder_sent", "reminder_held", "step_escalated", "step_expired",
# "step_auto_approved", "draft_held", "draft_released", "draft_dropped", "incident_opened",
# "incident_updated", "incident_closed") and the facts of that kind, JSON-ready.
NOTICE = "approvals.notice"
