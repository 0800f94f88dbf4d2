"""When a new post draft should go out by default.

What knows better than content sits above it: the plan (the item's own day and time) and
listening (the audience's next active hours). Planning registers a source here when it starts
(``register_publish_time_source``); content asks it for each new post draft that has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PublishAdvice:
    """When a new post draft should go out (None: no advice), and whether anything follows its
    brief's drafts (a plan item: planning reacts to their moves; None when not known)."""

    publish_at: datetime | None
    followed: bool | None = None


# (brief id or None, audience id or None, now) -> the advice.
PublishTimeSource = Callable[[int | None, int | None, datetime], PublishAdvice]
_sources: list[PublishTimeSource] = []


def register_publish_time_source(source: PublishTimeSource) -> None:
    """Let the app that knows the plan and the audiences say when a new draft should go out."""
    _sources[:] = [source]


def publish_advice(
    *, brief_id: int | None, audience_id: int | None, now: datetime
) -> PublishAdvice:
    """The publish time a new post draft gets when nobody gave it one, and whether its brief
    is followed, as the registered source says (no advice without one)."""
    return _sources[0](brief_id, audience_id, now) if _sources else PublishAdvice(None)


def default_publish_time(
    *, brief_id: int | None, audience_id: int | None, now: datetime
) -> datetime | None:
    """The publish time a new post draft gets when nobody gave it one (None: no advice)."""
    return publish_advice(brief_id=brief_id, audience_id=audience_id, now=now).publish_at
