"""Who reacts to what: apps register handlers for outbox event names at start-up.

A lower app (content) announces ``content.draft_ready`` knowing nothing of who listens; a higher
app (approvals) registers ``route_ready_draft`` for it in its ``AppConfig.ready``. Dependencies
keep pointing one way, and every reaction runs on the worker, once per event and handler.

A handler takes the ``OutboxEvent`` and must be safe to run again: it runs inside a transaction
that also records it as done, so a failure rolls both back and the worker tries again.
Reconcilers are the periodic safety net each app registers for its own flows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outbox.models import OutboxEvent

Handler = Callable[["OutboxEvent"], None]
Reconciler = Callable[[], int]

_handlers: dict[str, dict[str, Handler]] = {}
_reconcilers: dict[str, Reconciler] = {}


def register(name: str, handler: Handler, *, key: str) -> None:
    """React to every outbox event called ``name`` with ``handler``. ``key`` names the reaction
    (stored on the event once it ran, so keep it stable); registering a key again replaces it."""
    _handlers.setdefault(name, {})[key] = handler


def unregister(name: str, *, key: str) -> None:
    _handlers.get(name, {}).pop(key, None)


def handlers_for(name: str) -> list[tuple[str, Handler]]:
    """The reactions to ``name``, in key order (their order never matters for correctness:
    each records its own facts with the event's time)."""
    return sorted(_handlers.get(name, {}).items())


def register_reconciler(reconciler: Reconciler, *, key: str) -> None:
    """Run ``reconciler`` in each brand on the periodic reconciliation; it finishes whatever the
    app's flows left behind and returns how many things it fixed."""
    _reconcilers[key] = reconciler


def reconcilers() -> list[tuple[str, Reconciler]]:
    return sorted(_reconcilers.items())
