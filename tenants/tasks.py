"""Platform actors: the worker round trip used to check that workers run in the right brand,
invitation emails, and spare brand schemas made ahead of brand creation."""

from __future__ import annotations

import dramatiq

from brandroom.queues import QUEUE_DEFAULT
from tenants import services


@dramatiq.actor(max_retries=0, queue_name=QUEUE_DEFAULT)
def answer_worker_ping(ping_id: int) -> None:
    services.complete_worker_ping(ping_id=ping_id)


@dramatiq.actor(max_retries=5, queue_name=QUEUE_DEFAULT)
def send_invitation(membership_id: int, invited_by_id: int | None) -> None:
    services.email_invitation(membership_id=membership_id, actor_id=invited_by_id)


@dramatiq.actor(max_retries=3, queue_name=QUEUE_DEFAULT)
def make_spare_schemas() -> None:
    """Replace the spare brand schema a new brand took (see ``services.refill_spare_schemas``)."""
    services.refill_spare_schemas()
