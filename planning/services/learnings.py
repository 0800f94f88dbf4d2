"""Learnings: findings a review marks as what the brand has learned. The newest go into the
assistant's context for the brand's next drafts (content.assistant.learnings reads them through
the source planning registers); the list is bounded so the prompt stays bounded, and removing a
learning only unmarks the finding (the review's record stays as it was)."""

from __future__ import annotations

from django.db import transaction

from content.assistant.learnings import MAX_LEARNING_CHARS, MAX_LEARNINGS
from planning.errors import Conflict, NotFound, PlanningError
from planning.models import Finding
from planning.services.lock import lock_plan


def check_learning(*, text: str) -> None:
    """A learning must fit the assistant's context: at most ``MAX_LEARNING_CHARS``."""
    if len(text.strip()) > MAX_LEARNING_CHARS:
        raise PlanningError(
            f"A learning is at most {MAX_LEARNING_CHARS} characters; shorten the text.",
            field="text",
        )


def make_room_checked() -> None:
    """Refuse a learning past the brand's ``MAX_LEARNINGS`` (call inside
    ``transaction.atomic``: the plan row's lock makes two people adding the last one at once
    see each other)."""
    lock_plan()
    if Finding.objects.filter(learning=True).count() >= MAX_LEARNINGS:
        raise Conflict(
            f"The brand keeps at most {MAX_LEARNINGS} learnings; remove one first.",
            field="learning",
        )


def remove_learning(*, finding_id: int) -> Finding:
    """Take a learning out of the assistant's context (the finding itself stays)."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().filter(pk=finding_id, learning=True).first()
        if finding is None:
            raise NotFound(f"There is no learning {finding_id}.")
        finding.learning = False
        finding.save(update_fields=["learning"])
        return finding
