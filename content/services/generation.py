"""Settings that steer generation for a brand: AI endpoint overrides, monthly budget and the
novelty threshold. The generation jobs themselves live in ``content.services.jobs``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from content.errors import ContentError
from content.models import AssistantSettings
from tenants.audit import services as audit
from tenants.audit.models import AuditAction


def assistant_settings() -> AssistantSettings:
    """The brand's assistant settings row (created with defaults on first use)."""
    row, _ = AssistantSettings.objects.get_or_create(singleton=True)
    return row


def update_assistant_settings(**changes: Any) -> AssistantSettings:
    """Change the brand's AI endpoint overrides, monthly budget or novelty threshold.

    A brand's own base URL must come with the brand's own key and point at a public address
    (``providers.brand_endpoint_problem``); a refusal names the field and changes nothing."""
    from content.assistant.providers import brand_endpoint_problem

    with transaction.atomic():
        AssistantSettings.objects.get_or_create(singleton=True)
        row = AssistantSettings.objects.select_for_update().get(singleton=True)
        if "base_url" in changes or "api_key" in changes:
            problem = brand_endpoint_problem(
                base_url=str(changes.get("base_url", row.base_url) or ""),
                api_key=str(changes.get("api_key", row.api_key) or ""),
            )
            if problem is not None:
                field, message = problem
                raise ContentError(message, field=field)
        audit.record_changes(
            action=AuditAction.ASSISTANT_SETTINGS_CHANGED, subject=row, values=changes
        )
        for field, value in changes.items():
            setattr(row, field, value)
        row.save()
    return row
