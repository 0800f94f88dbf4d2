"""Signals media sends so that webhooks (and anything else) can follow boosts without media
knowing them."""

from django.dispatch import Signal

# Sent after the transaction commits, once per alert, with ``brand`` (tenants.Brand),
# ``boost_id``, ``alert_id``, ``kind`` (overspend, under_delivery, cap_reached) and ``message``.
boost_alert = Signal()
