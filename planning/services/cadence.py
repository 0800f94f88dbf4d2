"""Cadence per channel: how many posts a week a channel should get, and what it is for."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from content import selectors as content
from planning.errors import Conflict, NotFound, PlanningError
from planning.models import Cadence


def create_cadence(*, channel_id: int, posts_per_week: int, purpose: str) -> Cadence:
    """Set a channel's cadence; a channel has one (change it with ``update_cadence``)."""
    if not content.channels().filter(pk=channel_id).exists():
        raise PlanningError(f"The brand has no channel {channel_id}.", field="channel")
    try:
        with transaction.atomic():
            return Cadence.objects.create(
                channel_id=channel_id, posts_per_week=posts_per_week, purpose=purpose
            )
    except IntegrityError:
        raise Conflict(
            f"Channel {channel_id} already has a cadence; change that one.", field="channel"
        ) from None


def update_cadence(
    *, cadence_id: int, posts_per_week: int | None = None, purpose: str | None = None
) -> Cadence:
    """Change how often a channel posts or what it is for."""
    with transaction.atomic():
        cadence = Cadence.objects.select_for_update().filter(pk=cadence_id).first()
        if cadence is None:
            raise NotFound(f"There is no cadence {cadence_id}.")
        if posts_per_week is not None:
            cadence.posts_per_week = posts_per_week
        if purpose is not None:
            cadence.purpose = purpose
        cadence.save()
        return cadence


def delete_cadence(*, cadence_id: int) -> None:
    """Stop holding a channel to a cadence."""
    if not Cadence.objects.filter(pk=cadence_id).delete()[0]:
        raise NotFound(f"There is no cadence {cadence_id}.")
