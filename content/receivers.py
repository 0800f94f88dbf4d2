"""Content's periodic safety nets, registered with the outbox's reconciliation."""

from __future__ import annotations

from outbox import handlers


def reconcile_attention() -> int:
    """Rebuild the brand's failed-job (and inbox) rows in the cockpit's rollup from its data."""
    from content.services.attention import sync_content_attention

    return sync_content_attention()


def connect() -> None:
    handlers.register_reconciler(reconcile_attention, key="content.attention")
