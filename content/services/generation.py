"""Settings that steer generation for a brand: AI endpoint overrides, monthly budget and the
novelty threshold. The generation jobs themselves live in ``content.assistant.jobs``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from content.models import AssistantSettings


def update_assistant_settings(**changes: Any) -> AssistantSettings:
    """Change the brand's AI endpoint overrides, monthly budget or novelty threshold."""
    with transaction.atomic():
        AssistantSettings.objects.get_or_create(singleton=True)
        row = AssistantSettings.objects.select_for_update().get(singleton=True)
        for field, value in changes.items():
            setattr(row, field, value)
        row.save()
    return row
