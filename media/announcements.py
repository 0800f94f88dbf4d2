"""What media announces for other apps (integrations) to react to, as outbox events written in
the same transaction as the change (see ``outbox.services``)."""

# A boost alert was raised (once per boost, kind and key). Payload: ``boost_id``, ``alert_id``,
# ``kind`` (overspend, under_delivery, cap_reached), ``message``.
BOOST_ALERT = "media.boost_alert"
