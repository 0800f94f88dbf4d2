"""Signals approvals sends (always after the transaction commits) for media, webhooks and views.

They are sent with ``send_robust``: the change they announce is already committed, so a failing
receiver is logged by Django and does not undo it or break the caller; receivers that must not
lose work should hand it to a worker actor (idempotent) rather than do it inline."""

from django.dispatch import Signal

# A request finished. kwargs: subject_kind ("post" | "reply" | "boost"), subject_id, request_id,
# outcome ("approved" | "rejected" | "changes_requested" | "expired"), schema_name (the
# brand's). Drafts are moved by approvals itself; boosts are moved by the media app listening.
approval_decided = Signal()

# The brand entered (active=True) or stood down from (active=False) crisis mode.
crisis_changed = Signal()

# Something people should hear about: kwargs ``kind`` ("reminder_sent", "reminder_held",
# "step_escalated", "step_expired", "step_auto_approved", "request_opened", "incident_opened",
# "incident_updated", "incident_closed") and ``payload`` (a JSON-ready dict that always carries
# ``brand``: the schema it happened in). The integrations app turns them into webhook events.
approval_event = Signal()
