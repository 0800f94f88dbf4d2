"""An audience's activity, learned from its signals: a histogram by hour of the brand's day
and the active hours it suggests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.db.models.functions import ExtractHour

from content import selectors as content
from content.models import AudienceProfile
from listening import active_hours
from listening.errors import NotFound
from listening.models import Signal

LEARNING_DAYS = 28


@dataclass(frozen=True)
class SegmentActivity:
    audience: AudienceProfile
    days: int
    signals: int
    histogram: list[int]  # signals per local hour, 0-23
    suggested_active_hours: list[str]
    next_active_at: datetime | None


def audience(*, audience_id: int) -> AudienceProfile:
    """The brand's audience profile, or a 404 naming it."""
    found = content.audiences().filter(pk=audience_id).first()
    if found is None:
        raise NotFound(f"The brand has no audience {audience_id}.", field="audience")
    return found


def hourly_histogram(*, audience_id: int, tz: ZoneInfo, now: datetime, days: int) -> list[int]:
    """How many of the audience's signals fell in each hour of the brand's day over the last
    ``days`` days (one grouped query)."""
    counts = (
        Signal.objects.filter(
            audience_id=audience_id,
            observed_at__gte=now - timedelta(days=days),
            observed_at__lte=now,
        )
        .annotate(hour=ExtractHour("observed_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    )
    histogram = [0] * 24
    for hour, n in counts:
        histogram[hour] = n
    return histogram


def active_ranges(*, profile: AudienceProfile, tz: ZoneInfo, now: datetime) -> list[str]:
    """The active hours to aim at: the profile's own (people wrote or adopted them), else the
    ones its signals suggest."""
    if profile.active_hours:
        return [str(text) for text in profile.active_hours]
    histogram = hourly_histogram(audience_id=profile.pk, tz=tz, now=now, days=LEARNING_DAYS)
    return active_hours.suggest_ranges(histogram)


def segment_activity(
    *, audience_id: int, tz: ZoneInfo, now: datetime, lead: timedelta
) -> SegmentActivity:
    """The audience's signals by local hour over the last 28 days, the active hours they
    suggest, and when the audience's next active hour starts (at least ``lead`` from now)."""
    profile = audience(audience_id=audience_id)
    histogram = hourly_histogram(audience_id=profile.pk, tz=tz, now=now, days=LEARNING_DAYS)
    suggested = active_hours.suggest_ranges(histogram)
    ranges = [str(text) for text in profile.active_hours] or suggested
    return SegmentActivity(
        audience=profile,
        days=LEARNING_DAYS,
        signals=sum(histogram),
        histogram=histogram,
        suggested_active_hours=suggested,
        next_active_at=active_hours.next_active_start(ranges, tz=tz, now=now, lead=lead),
    )
