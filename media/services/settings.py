"""The brand's paid-media settings: the pacing tolerance (spend sign-off is the approvals
policy's)."""

from __future__ import annotations

from media.errors import MediaError
from media.models import MediaSettings
from tenants.audit import services as audit
from tenants.audit.models import AuditAction


def update_media_settings(*, pacing_tolerance_percent: int | None = None) -> MediaSettings:
    """Change the brand's pacing tolerance."""
    settings, _ = MediaSettings.objects.get_or_create(pk=1)
    fields = ["updated_at"]
    if pacing_tolerance_percent is not None:
        if not 0 < pacing_tolerance_percent <= 100:
            raise MediaError(
                "Give a tolerance from 1 to 100 percent.", field="pacing_tolerance_percent"
            )
        audit.record_changes(
            action=AuditAction.MEDIA_SETTINGS_CHANGED,
            subject=settings,
            values={"pacing_tolerance_percent": pacing_tolerance_percent},
        )
        settings.pacing_tolerance_percent = pacing_tolerance_percent
        fields.append("pacing_tolerance_percent")
    settings.save(update_fields=fields)
    return settings


def seed_media_settings() -> MediaSettings:
    """Create the brand's settings with their defaults (on brand creation)."""
    settings, _ = MediaSettings.objects.get_or_create(pk=1)
    return settings
