"""Reads about the brand's incidents and crisis state."""

from __future__ import annotations

from django.db.models import QuerySet

from approvals.models import CrisisState, Incident


def crisis_state() -> CrisisState:
    """The brand's crisis state row (created calm if missing)."""
    state, _ = CrisisState.objects.select_related("incident").get_or_create(id=1)
    return state


def brand_in_crisis() -> bool:
    """True while the current brand is in crisis mode."""
    return CrisisState.objects.filter(id=1, active=True).exists()


def incidents() -> QuerySet[Incident]:
    """The brand's incidents, newest first, with their timelines."""
    return Incident.objects.prefetch_related("timeline").order_by("-created_at", "-id")
