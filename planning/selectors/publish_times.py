"""When a new post draft should go out by default, as planning tells content (registered with
``content.scheduling`` when planning starts): the plan item's own day and time; an item
without a time goes out at its audience's first active hour on or after its day; a draft
with no plan item at its audience's next active hour. The active hours are listening's
(``listening.selectors.segments.active_ranges``, ``listening.active_hours``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from content import selectors as content
from content.scheduling import PublishAdvice
from listening import active_hours
from listening.selectors.segments import active_ranges
from planning.models import ItemStatus, PlanItem
from results.periods import local_midnight
from tenants.selectors import current_brand

# Time to write and sign off a draft with no plan item before its audience's next active hour
# (the same lead triggers give their briefs).
LEAD_TIME = timedelta(hours=1)


def default_publish_time(
    *, brief_id: int | None, audience_id: int | None, now: datetime
) -> datetime | None:
    """The default publish time of a new post draft of ``brief_id`` for ``audience_id`` (None
    when neither the plan nor the audience's active hours say anything)."""
    return publish_advice(brief_id=brief_id, audience_id=audience_id, now=now).publish_at


def publish_advice(
    *, brief_id: int | None, audience_id: int | None, now: datetime
) -> PublishAdvice:
    """``default_publish_time``, and whether the plan follows the brief's drafts (an item not
    dropped has the brief), from the same read of its plan item."""
    tz = ZoneInfo(current_brand().timezone)
    item = (
        PlanItem.objects.filter(brief_id=brief_id)
        .exclude(status=ItemStatus.DROPPED)
        .order_by("planned_on", "pk")
        .first()
        if brief_id is not None
        else None
    )
    followed = item is not None
    if item is not None and item.publish_time is not None:
        return PublishAdvice(datetime.combine(item.planned_on, item.publish_time, tzinfo=tz), True)
    if audience_id is None and brief_id is not None:
        audience_id = (
            content.briefs().filter(pk=brief_id).values_list("audience_id", flat=True).first()
        )
    profile = content.audiences().filter(pk=audience_id).first() if audience_id else None
    if profile is None:
        return PublishAdvice(None, followed)
    ranges = active_ranges(profile=profile, tz=tz, now=now)
    if item is not None:
        day_starts = local_midnight(item.planned_on, tz)
        start = active_hours.next_active_start(
            ranges, tz=tz, now=max(now, day_starts), lead=timedelta(0)
        )
        return PublishAdvice(start, True)
    return PublishAdvice(
        active_hours.next_active_start(ranges, tz=tz, now=now, lead=LEAD_TIME), followed
    )
