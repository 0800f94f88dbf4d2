"""How many posts the plan had, as the plan tells results: the plan (planning) sits a layer
above results, so it registers a counter at start-up (as it registers its pillars), and results
sets published posts against it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

_counter: Callable[[date, date], int] | None = None


def register(counter: Callable[[date, date], int]) -> None:
    """Name the function that counts the plan's items on the days [start, end), dropped ones
    left out; called once at start-up."""
    global _counter
    _counter = counter


def planned_posts(*, start: date, end: date) -> int | None:
    """Posts the plan had on the days [start, end); None without a plan app to ask."""
    return _counter(start, end) if _counter is not None else None
