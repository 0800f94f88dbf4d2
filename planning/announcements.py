"""What planning announces for other apps (integrations) to react to, as outbox events written
in the same transaction as the change (see ``outbox.services``)."""

# A review's pack was assembled by the worker. Payload: ``review_id``, ``period``,
# ``period_start``, ``built_at``.
REVIEW_READY = "planning.review_ready"

# An open review action is past its due day (once per action, when its owner is reminded).
# Payload: ``review_action_id``, ``review_id``, ``title``, ``kind``, ``owner_id``, ``due_on``,
# ``days_overdue``.
REVIEW_ACTION_OVERDUE = "planning.review_action_overdue"
