"""The plan's pillars, as the plan tells results: the plan (planning) sits a layer above results,
so results may not read it; the plan registers a lookup at start-up instead, as it registers
its outbox handlers. Which pillar a post serves travels down on its brief (``Brief.pillar_id``).
"""

from __future__ import annotations

from collections.abc import Callable

_lookup: Callable[[], dict[int, str]] | None = None


def register(lookup: Callable[[], dict[int, str]]) -> None:
    """Name the function that gives the brand's pillars (id -> name); called once at start-up."""
    global _lookup
    _lookup = lookup


def pillar_names() -> dict[int, str]:
    """The brand's pillars (id -> name); none without a plan app to ask."""
    return _lookup() if _lookup is not None else {}
