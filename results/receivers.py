"""Results' periodic safety nets, registered with the outbox's reconciliation."""

from __future__ import annotations

from outbox import handlers


def reconcile_attention() -> int:
    """Rebuild the brand's off-track KPI rows in the cockpit's rollup from its KPIs."""
    from results.services.attention import sync_kpi_attention

    return sync_kpi_attention()


def connect() -> None:
    handlers.register_reconciler(reconcile_attention, key="results.attention")
