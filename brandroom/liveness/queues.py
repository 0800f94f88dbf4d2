"""How far behind each queue is: messages waiting to be taken and the age of the oldest one,
read from whichever broker is configured (PostgreSQL, Redis or RabbitMQ)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import dramatiq
from dramatiq.common import dq_name


@dataclass(frozen=True)
class QueueLag:
    name: str
    waiting: int  # messages due and not taken by a worker yet
    oldest_seconds: float | None  # how long the oldest of them has been due; None: none/unknown

    def as_dict(self) -> dict[str, object]:
        oldest = None if self.oldest_seconds is None else round(self.oldest_seconds, 1)
        return {"waiting": self.waiting, "oldest_seconds": oldest}


def _queue_names(broker: dramatiq.Broker) -> list[str]:
    # Delay queues (name.DQ) are read with their queue, dead letters (name.XQ) are not lag.
    names = {n for n in broker.get_declared_queues() if not n.endswith((".DQ", ".XQ"))}
    return sorted(names | {"default"})


def _postgres(broker: dramatiq.Broker, names: list[str]) -> list[QueueLag]:
    with broker.pool.connection(timeout=5) as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            "SELECT queue_name, count(*),"
            " EXTRACT(EPOCH FROM (now() - min(available_at)))::float"
            " FROM dramatiq.queue WHERE state = 'queued' AND available_at <= now()"
            " GROUP BY queue_name"
        ).fetchall()
    found = {name: (count, age) for name, count, age in rows}
    return [
        QueueLag(name, found.get(name, (0, None))[0], found.get(name, (0, None))[1])
        for name in sorted(set(names) | set(found))
    ]


def _redis(broker: dramatiq.Broker, names: list[str]) -> list[QueueLag]:
    client = broker.client  # type: ignore[attr-defined]
    ns = broker.namespace  # type: ignore[attr-defined]
    now_ms = time.time() * 1000
    lags = []
    for name in names:
        key = f"{ns}:{name}"
        waiting = int(client.llen(key))
        due_since: list[float] = []
        first = client.lindex(key, 0)
        if first is not None:
            data = client.hget(f"{key}.msgs", first)
            if data:
                due_since.append(float(json.loads(data)["message_timestamp"]))
        # Delayed messages only reach the queue when a worker moves them there: a due one
        # still in the delay queue is lag too. Bounded read: the first 200.
        delayed_key = f"{ns}:{dq_name(name)}"
        _cursor, delayed = client.hscan(f"{delayed_key}.msgs", 0, count=200)
        for data in list(delayed.values())[:200]:
            eta = json.loads(data).get("options", {}).get("eta")
            if eta is not None and eta <= now_ms:
                waiting += 1
                due_since.append(float(eta))
        oldest = (now_ms - min(due_since)) / 1000 if due_since else None
        lags.append(QueueLag(name, waiting, None if oldest is None else max(0.0, oldest)))
    return lags


def _rabbitmq(broker: dramatiq.Broker, names: list[str]) -> list[QueueLag]:
    # RabbitMQ tells how many messages wait (a passive declare) but not how old the oldest is
    # without taking it, so the age stays unknown there.
    lags = []
    for name in names:
        ready, _delayed, _dead = broker.get_queue_message_counts(name)  # type: ignore[attr-defined]
        lags.append(QueueLag(name, int(ready or 0), None))
    return lags


def queue_lags() -> list[QueueLag]:
    broker = dramatiq.get_broker()
    names = _queue_names(broker)
    kind = type(broker).__name__
    if kind == "PostgresBroker":
        return _postgres(broker, names)
    if kind == "RedisBroker":
        return _redis(broker, names)
    if kind == "RabbitmqBroker":
        return _rabbitmq(broker, names)
    return [QueueLag(name, 0, None) for name in names]
