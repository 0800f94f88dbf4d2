"""Reads over internal notes. Runs inside the brand's schema."""

from __future__ import annotations

from django.db.models import QuerySet

from discussion.models import Note


def notes_on(*, subject_kind: str, subject_id: int) -> QuerySet[Note]:
    """The notes on one draft or boost, oldest first (a conversation reads downwards)."""
    return Note.objects.filter(subject_kind=subject_kind, subject_id=subject_id).order_by(
        "created_at", "pk"
    )


def notes() -> QuerySet[Note]:
    """Every note of the brand."""
    return Note.objects.all()
