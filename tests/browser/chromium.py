"""Real headless Chromium for the pages people use on a phone.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` package; a test
module marks itself with ``NEEDS_CHROMIUM`` (and imports playwright with ``importorskip``) so it
skips with that message when either is missing. Screenshots go to ``ARTIFACTS``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="no Chromium found: apt-get install chromium (Debian package)"
    ),
]
# Headless in a container, with nothing fetched or synced behind the test's back.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """A launched Chromium (a playwright ``Browser``), closed on the way out.

    A context manager, not a fixture: playwright's sync API runs an event loop in the thread,
    and Django refuses database work while it runs, so tests keep the ORM outside this block.
    """
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
