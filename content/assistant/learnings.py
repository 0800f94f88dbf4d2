"""What the brand has learned, as the assistant reads it for the next drafts.

Learnings are recorded higher up (planning's reviews mark findings as learnings); content sits
below and never imports those apps, so an app that holds learnings registers a source here when
it starts (``register_source``), like approvals' subject describers. The assistant takes the
newest ``MAX_LEARNINGS``, each cut to ``MAX_LEARNING_CHARS``: the prompt stays bounded whatever
is stored. They are written by brand staff but quoted as data (see ``prompts``), so a learning
that reads like an instruction cannot change the assistant's rules.
"""

from __future__ import annotations

from typing import Protocol

MAX_LEARNINGS = 20
MAX_LEARNING_CHARS = 300


class Source(Protocol):
    """Returns the brand's learnings in the current schema, newest first, at most ``limit``."""

    def __call__(self, *, limit: int) -> list[str]: ...


_sources: dict[str, Source] = {}


def register_source(key: str, source: Source) -> None:
    """Let an app that records learnings offer them (registering the same key again replaces
    the source)."""
    _sources[key] = source


def brand_learnings() -> tuple[str, ...]:
    """The current brand's learnings for a prompt: newest first, bounded in count and length."""
    found: list[str] = []
    for key in sorted(_sources):
        found += _sources[key](limit=MAX_LEARNINGS)
    texts = (" ".join(text.split())[:MAX_LEARNING_CHARS] for text in found)
    return tuple(text for text in texts if text)[:MAX_LEARNINGS]
