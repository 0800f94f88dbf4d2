"""Platform actors: the worker round trip used to check that workers run in the right brand."""

from __future__ import annotations

import dramatiq

from tenants import services
from tenants.worker import QUEUE_DEFAULT


@dramatiq.actor(max_retries=0, queue_name=QUEUE_DEFAULT)
def answer_worker_ping(ping_id: int) -> None:
    services.complete_worker_ping(ping_id=ping_id)
