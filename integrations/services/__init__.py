"""Changes to a brand's integrations: events, webhook endpoints and their deliveries.

``emit_event`` is the one entry point other apps call; the rest serves the integrations API and
the worker. Everything runs inside the brand's schema.
"""

from integrations.services.deliveries import (
    attempt_delivery,
    backoff_seconds,
    redeliver,
    redeliver_since,
    requeue_stalled_deliveries,
)
from integrations.services.endpoints import (
    create_endpoint,
    delete_endpoint,
    rotate_endpoint_secret,
    update_endpoint,
)
from integrations.services.events import emit_event, prune_events

__all__ = [
    "attempt_delivery",
    "backoff_seconds",
    "create_endpoint",
    "delete_endpoint",
    "emit_event",
    "prune_events",
    "redeliver",
    "redeliver_since",
    "requeue_stalled_deliveries",
    "rotate_endpoint_secret",
    "update_endpoint",
]
