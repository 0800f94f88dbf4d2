"""What planning announces for other apps (integrations) to react to, as outbox events written
in the same transaction as the change (see ``outbox.services``)."""

# A review's pack was assembled by the worker. Payload: ``review_id``, ``period``,
# ``period_start``, ``built_at``.
REVIEW_READY = "planning.review_ready"
