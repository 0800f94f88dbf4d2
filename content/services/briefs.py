"""Briefs: what the assistant (or a person) drafts posts from."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from content.models import Brief, Channel


def create_brief(*, channels: list[Channel] | None = None, **fields: Any) -> Brief:
    """Write a brief for the assistant (or a person) to draft posts from."""
    with transaction.atomic():
        brief = Brief.objects.create(**fields)
        if channels:
            brief.channels.set(channels)
    return brief


def update_brief(*, brief: Brief, channels: list[Channel] | None = None, **changes: Any) -> Brief:
    """Change a brief; drafts already written keep the text they have."""
    with transaction.atomic():
        for field, value in changes.items():
            setattr(brief, field, value)
        brief.save()
        if channels is not None:
            brief.channels.set(channels)
    return brief


def delete_brief(*, brief: Brief) -> None:
    """Remove a brief."""
    brief.delete()
