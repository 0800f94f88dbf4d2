"""Settings that steer generation for a brand: AI endpoint overrides, monthly budget and the
novelty threshold. The generation jobs themselves live in ``content.assistant.jobs``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from content.models import AssistantSettings
from tenants.audit import services as audit
from tenants.audit.models import AuditAction


def update_assistant_settings(**changes: Any) -> AssistantSettings:
    """Change the brand's AI endpoint overrides, monthly budget or novelty threshold."""
    with transaction.atomic():
        AssistantSettings.objects.get_or_create(singleton=True)
        row = AssistantSettings.objects.select_for_update().get(singleton=True)
        audit.record_changes(
            action=AuditAction.ASSISTANT_SETTINGS_CHANGED, subject=row, values=changes
        )
        for field, value in changes.items():
            setattr(row, field, value)
        row.save()
    return row
