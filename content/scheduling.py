"""When a new post draft should go out by default.

What knows better than content sits above it: the plan (the item's own day and time) and
listening (the audience's next active hours). Planning registers a source here when it starts
(``register_publish_time_source``); content asks it for each new post draft that has none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

# (brief id or None, audience id or None, now) -> the default publish time, or None.
PublishTimeSource = Callable[[int | None, int | None, datetime], datetime | None]
_sources: list[PublishTimeSource] = []


def register_publish_time_source(source: PublishTimeSource) -> None:
    """Let the app that knows the plan and the audiences say when a new draft should go out."""
    _sources[:] = [source]


def default_publish_time(
    *, brief_id: int | None, audience_id: int | None, now: datetime
) -> datetime | None:
    """The publish time a new post draft gets when nobody gave it one (None: no advice)."""
    return _sources[0](brief_id, audience_id, now) if _sources else None
