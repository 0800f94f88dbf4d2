"""What planning announces for other apps (integrations) to react to, as outbox events written
in the same transaction as the change (see ``outbox.services``)."""

# A review's pack was assembled by the worker. Payload: ``review_id``, ``period``,
# ``period_start``, ``built_at``.
REVIEW_READY = "planning.review_ready"

# An open review action is past its due day (once per action, when its owner is reminded).
# Payload: ``review_action_id``, ``review_id``, ``title``, ``kind``, ``owner_id``, ``due_on``,
# ``days_overdue``.
REVIEW_ACTION_OVERDUE = "planning.review_action_overdue"

# An open plan item's day and time came (once per item). Payload: ``plan_item_id``, ``title``,
# ``status``, ``planned_on``, ``publish_time`` (or null), ``channel_id``, ``brief_id``.
ITEM_DUE = "planning.item_due"
