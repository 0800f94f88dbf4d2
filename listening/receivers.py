"""What listening reacts to: inbox items become signals for the crisis watch; and its periodic
safety net for the cockpit's alert rows."""

from __future__ import annotations

from content import announcements as content_announcements
from listening.services.signals import record_inbox_signal
from outbox import handlers
from outbox.models import OutboxEvent


def signal_from_inbox_item(event: OutboxEvent) -> None:
    """An inbox item arrived: record its signal (once per item)."""
    record_inbox_signal(item_id=int(event.payload["item_id"]))


def reconcile_alert_attention() -> int:
    """Rebuild the brand's alert rows in the cockpit from its open alerts."""
    from listening.services.alerts import sync_alert_attention

    return sync_alert_attention()


def connect() -> None:
    handlers.register_reconciler(reconcile_alert_attention, key="listening.attention")
    handlers.register(
        content_announcements.INBOX_ITEM_RECEIVED,
        signal_from_inbox_item,
        key="listening.signal_from_inbox_item",
    )
