"""Fixtures for integrations: a real HTTP receiver on 127.0.0.1 and API-key clients."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis
from rest_framework.test import APIClient

from integrations import tasks
from tenants import services as tenant_services
from tenants.roles import Scope


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on loopback: answers with ``statuses`` in turn (then 200) and keeps
    every request it got."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append(
                Received(
                    path=self.path,
                    headers={k: v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
            )
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver is down")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/brandroom"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def allow_private_urls(settings: pytest.FixtureRequest) -> None:
    """Only for tests that talk to the loopback receiver."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # type: ignore[attr-defined]


def key_client(brand: object, scopes: list[str] | None = None) -> APIClient:
    _key, secret = tenant_services.create_api_key(
        brand=brand,  # type: ignore[arg-type]
        name="integrator",
        scopes=scopes or [Scope.READ],
    )
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")


@dataclass
class Queued:
    delivery_id: int
    delay_seconds: float


class WorkerQueue:
    """What the web side handed to the worker: delivery ids and how long each waits."""

    def __init__(self, broker: StubBroker) -> None:
        self.broker = broker

    def take(self) -> list[Queued]:
        found: list[Queued] = []
        now_ms = current_millis()
        for name, queue in self.broker.queues.items():
            while not queue.empty():
                message = Message.decode(queue.get_nowait())
                eta = message.options.get("eta")
                delay = (eta - now_ms) / 1000 if name.endswith(".DQ") and eta else 0.0
                found.append(Queued(delivery_id=message.args[0], delay_seconds=delay))
        return found


@pytest.fixture
def worker_queue() -> Iterator[WorkerQueue]:
    """Stands in for the broker (the network edge) so tests see what would be enqueued."""
    broker = StubBroker()
    original = tasks.deliver_webhook.broker
    tasks.deliver_webhook.broker = broker
    broker.declare_actor(tasks.deliver_webhook)
    try:
        yield WorkerQueue(broker)
    finally:
        tasks.deliver_webhook.broker = original
