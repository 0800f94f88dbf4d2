"""What listening announces for other apps (integrations) to react to, as outbox events written
in the same transaction as the change (see ``outbox.services``)."""

# A trigger fired. Payload: ``trigger_id``, ``name``, ``firing_id``, ``fired_at``,
# ``condition``, ``action``, ``matched``, ``inputs`` (what the condition saw), ``outcome``,
# ``brief_id``, ``job_id``, ``warning_id`` (a crisis action's warning), ``boost_id``,
# ``plan_item_id``, ``alert_id`` (an alert action's cockpit alert), ``target_at``.
TRIGGER_FIRED = "listening.trigger_fired"

# A crisis warning was raised, or raised to a higher severity. Payload: ``warning_id``,
# ``severity``, ``status``, ``raised_at``, ``negative``, ``z_score``, ``sources``, ``reach``
# and ``trigger_id`` (the trigger that suggested it, or null for the built-in crisis watch).
CRISIS_WARNING = "listening.crisis_warning"
