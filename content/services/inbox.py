"""The inbox: comments, mentions and messages received from the networks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from content.errors import ContentError
from content.models import InboxItem


def ingest_inbox_item(*, received_at: datetime | None = None, **fields: Any) -> InboxItem:
    """Store an incoming comment, mention or message; an ``external_id`` seen before is a 409.
    Attempts in it to instruct the assistant are recorded on the item (``injection_signals``)."""
    from content.assistant import injection

    if "author_handle" in fields:
        fields["author_handle"] = str(fields["author_handle"]).lstrip("@")
    thread = [str(m.get("text", "")) for m in fields.get("thread") or [] if isinstance(m, dict)]
    signals = injection.detect(str(fields.get("text", "")), *thread)
    fields["injection_signals"] = [s.as_dict() for s in signals]
    try:
        with transaction.atomic():
            return InboxItem.objects.create(received_at=received_at or timezone.now(), **fields)
    except IntegrityError:
        raise ContentError(
            f"Inbox item '{fields.get('external_id')}' was already received.",
            field="external_id",
            status_code=409,
            code="duplicate",
        ) from None


def delete_inbox_item(*, item: InboxItem) -> None:
    """Remove an inbox item."""
    item.delete()
