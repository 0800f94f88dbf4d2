"""Segments: an audience profile adopts the active hours its signals suggest."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from content import services as content_services
from content.models import AudienceProfile
from listening import active_hours
from listening.errors import ListeningError
from listening.selectors import segments


def adopt_active_hours(
    *, audience_id: int, tz: ZoneInfo, now: datetime | None = None
) -> AudienceProfile:
    """Write the active hours the audience's last 28 days of signals suggest onto its profile
    (what triggers and drafts then aim at); a 400 when the signals are too few to say."""
    now = now or timezone.now()
    profile = segments.audience(audience_id=audience_id)
    histogram = segments.hourly_histogram(
        audience_id=profile.pk, tz=tz, now=now, days=segments.LEARNING_DAYS
    )
    suggested = active_hours.suggest_ranges(histogram)
    if not suggested:
        raise ListeningError(
            f"The audience has {sum(histogram)} signals in the last {segments.LEARNING_DAYS} "
            f"days; at least {active_hours.MIN_EVIDENCE} are needed to learn its active hours.",
            field="audience",
        )
    return content_services.update_audience(audience=profile, active_hours=suggested)
