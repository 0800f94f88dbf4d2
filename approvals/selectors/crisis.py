"""Reads about the brand's incidents and crisis state."""

from __future__ import annotations

from django.db.models import QuerySet

from approvals.models import CrisisState, Incident


def crisis_state() -> CrisisState:
    """The brand's crisis state; calm (an unsaved row) for a brand that never had a crisis.
    Reading never writes: the crisis services create the row when they first change it."""
    state = CrisisState.objects.select_related("incident").filter(id=1).first()
    return state if state is not None else CrisisState(id=1)


def brand_in_crisis() -> bool:
    """True while the current brand is in crisis mode."""
    return CrisisState.objects.filter(id=1, active=True).exists()


def incidents() -> QuerySet[Incident]:
    """The brand's incidents, newest first, with their timelines."""
    return Incident.objects.prefetch_related("timeline").order_by("-created_at", "-id")
