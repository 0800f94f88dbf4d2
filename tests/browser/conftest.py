"""Fixtures for the browser tests (Chromium itself: tests/browser/chromium.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def committed_live_server(django_db_blocker: Any) -> Iterator[Any]:
    """pytest-django's live_server would flush the whole database afterwards (it forces a
    transactional test), wiping the session brands; this serves committed data and leaves it."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
    yield server
    server.stop()
