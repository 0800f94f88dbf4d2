"""What an approver needs to see about a subject another app owns.

Approvals sits below the apps whose subjects it signs off (media's boosts), so it cannot read
them; those apps register a describer here when they start (``register_describer``), and the
phone view shows what it returns next to the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assets.selectors import PhoneImage


@dataclass(frozen=True)
class SubjectFacts:
    """The subject as the approver reads it: a heading, the content it is about (a boost's
    post), and labelled facts in the order they matter for the decision."""

    heading: str
    text: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    # Its images as the phone shows them (renditions behind signed URLs), in order.
    images: list[PhoneImage] = field(default_factory=list)


Describer = Callable[[int], SubjectFacts | None]
_describers: dict[str, Describer] = {}


def register_describer(subject_kind: str, describer: Describer) -> None:
    """Let the app that owns ``subject_kind`` describe one by id (None when it is gone)."""
    _describers[subject_kind] = describer


def describe(*, subject_kind: str, subject_id: int) -> SubjectFacts | None:
    """The registered description of a subject, in the current brand's schema."""
    describer = _describers.get(subject_kind)
    return describer(subject_id) if describer is not None else None
