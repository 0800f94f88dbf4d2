"""What listening reacts to: inbox items become signals for the crisis watch."""

from __future__ import annotations

from content import announcements as content_announcements
from listening.services.signals import record_inbox_signal
from outbox import handlers
from outbox.models import OutboxEvent


def signal_from_inbox_item(event: OutboxEvent) -> None:
    """An inbox item arrived: record its signal (once per item)."""
    record_inbox_signal(item_id=int(event.payload["item_id"]))


def connect() -> None:
    handlers.register(
        content_announcements.INBOX_ITEM_RECEIVED,
        signal_from_inbox_item,
        key="listening.signal_from_inbox_item",
    )
