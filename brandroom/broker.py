"""The dramatiq broker as configured in settings (PostgreSQL, Redis or RabbitMQ), and its check."""

from __future__ import annotations

import dramatiq


def check_broker() -> str:
    """Round-trip to the broker; returns its kind, raises when it cannot be reached."""
    broker = dramatiq.get_broker()
    kind = type(broker).__name__
    if kind == "PostgresBroker":
        with broker.pool.connection(timeout=5) as conn:  # type: ignore[attr-defined]
            conn.execute("SELECT 1 FROM dramatiq.queue LIMIT 1")
    elif kind == "RedisBroker":
        broker.client.ping()  # type: ignore[attr-defined]
    elif kind == "RabbitmqBroker":
        # Opens (or reuses) the AMQP connection; raises when RabbitMQ cannot be reached.
        _ = broker.connection  # type: ignore[attr-defined]
    return kind
