"""Two people send the same reply to an inbox item at the same moment, on separate database
connections: one version is written and the other is told it was already sent. Needs
committed data, so it runs in a brand of its own (``own_brand``), dropped afterwards."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection
from django_tenants.utils import tenant_context

from content import services as content
from content.models import Draft


def send_in_thread(brand: Any, item_id: int, start: threading.Barrier, outcomes: list) -> None:
    try:
        with tenant_context(brand):
            start.wait(timeout=10)
            sent = content.send_inbox_reply(item_id=item_id, text="So sorry. Please DM us.")
            outcomes.append("written" if sent is not None else "already sent")
    finally:
        connection.close()


def test_the_same_reply_sent_twice_at_once_is_written_once(own_brand, django_db_blocker) -> None:
    with django_db_blocker.unblock():
        with tenant_context(own_brand):
            item = content.ingest_inbox_item(author_handle="kim", text="My order never came.")
            suggested = content.write_draft(kind="reply", text="Sorry!", inbox_item=item)
        start = threading.Barrier(2)
        outcomes: list[str] = []
        threads = [
            threading.Thread(target=send_in_thread, args=(own_brand, item.pk, start, outcomes))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(outcomes) == ["already sent", "written"]
        with tenant_context(own_brand):
            replies = list(Draft.objects.filter(inbox_item=item).order_by("version"))
            assert [(r.version, r.text) for r in replies] == [
                (1, "Sorry!"),
                (2, "So sorry. Please DM us."),
            ]
            assert replies[1].parent_id == suggested.pk
