"""An audience's activity, learned from its signals: a histogram by hour of the brand's day
and the active hours it suggests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour

from content import selectors as content
from content.models import AudienceProfile
from listening import active_hours
from listening.errors import NotFound
from listening.models import SegmentRule, Signal

LEARNING_DAYS = 28


@dataclass(frozen=True)
class SegmentActivity:
    audience: AudienceProfile
    days: int
    signals: int
    histogram: list[int]  # signals per local hour, 0-23
    suggested_active_hours: list[str]
    next_active_at: datetime | None
    rules: list[SegmentRule]
    members_seen: int
    size: int | None


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
    suggest, when the audience's next active hour starts (at least ``lead`` from now), its
    segment rules and the live size they select."""
    profile = audience(audience_id=audience_id)
    histogram = hourly_histogram(audience_id=profile.pk, tz=tz, now=now, days=LEARNING_DAYS)
    suggested = active_hours.suggest_ranges(histogram)
    ranges = [str(text) for text in profile.active_hours] or suggested
    size = segment_size(audience_id=profile.pk, tz=tz, now=now)
    return SegmentActivity(
        audience=profile,
        days=LEARNING_DAYS,
        signals=sum(histogram),
        histogram=histogram,
        suggested_active_hours=suggested,
        next_active_at=active_hours.next_active_start(ranges, tz=tz, now=now, lead=lead),
        rules=list(segment_rules(audience_id=profile.pk)),
        members_seen=size.members_seen,
        size=size.size,
    )


def segment_rules(*, audience_id: int) -> QuerySet[SegmentRule]:
    """The rules an audience profile carries, oldest first."""
    return SegmentRule.objects.filter(audience_id=audience_id).order_by("created_at", "pk")


@dataclass(frozen=True)
class SegmentSize:
    members_seen: int  # members in the signals of the longest rule's period
    size: int | None  # members meeting every rule (None: the profile has no rules)


def _rule_sql(rule: SegmentRule, tz: ZoneInfo, now: datetime) -> tuple[str, list[Any]]:
    """Members meeting one rule, from the ``recent`` signals of its own period."""
    start = now - timedelta(days=rule.days)
    if rule.kind == SegmentRule.Kind.TOP_ENGAGEMENT:
        return (
            """SELECT member FROM (
                    SELECT member, cume_dist() OVER (ORDER BY sum(value) DESC) AS rank
                    FROM recent WHERE kind = 'engagement' AND observed_at > %s GROUP BY member
                ) ranked WHERE rank <= %s""",
            [start, (rule.percent or 0) / 100],
        )
    if rule.kind == SegmentRule.Kind.ACTIVE_HOURS:
        first, end = rule.from_hour or 0, rule.to_hour or 0
        # 20-2 wraps past midnight: in it when after 20 or before 2.
        joiner = "AND" if first < end else "OR"
        hour = "extract(hour from observed_at AT TIME ZONE %s)"
        return (
            f"""SELECT member FROM recent WHERE observed_at > %s GROUP BY member
                HAVING avg(CASE WHEN {hour} >= %s {joiner} {hour} < %s THEN 1 ELSE 0 END)
                    >= 0.5""",
            [start, str(tz), first, str(tz), end],
        )
    return (
        """SELECT DISTINCT member FROM recent
            WHERE kind = 'mention' AND lower(topic) = lower(%s) AND observed_at > %s""",
        [rule.topic, start],
    )


def segment_size(*, audience_id: int, tz: ZoneInfo, now: datetime) -> SegmentSize:
    """How many members the audience's rules select now (every rule must hold), and how many
    members the signals of the period show at all: one SQL statement over the signals of the
    longest rule's period (the BRIN index narrows it), never rows in Python."""
    rules = list(segment_rules(audience_id=audience_id))
    days = max((rule.days for rule in rules), default=LEARNING_DAYS)
    parts: list[str] = []
    params: list[Any] = [now - timedelta(days=days), now]
    for rule in rules:
        sql, rule_params = _rule_sql(rule, tz, now)
        parts.append(f"({sql})")
        params.extend(rule_params)
    chosen = f"(SELECT count(*) FROM ({' INTERSECT '.join(parts)}) chosen)" if parts else "NULL"
    query = f"""
        WITH recent AS MATERIALIZED (
            SELECT attributes ->> 'member' AS member, kind, value, topic, observed_at
            FROM {Signal._meta.db_table}
            WHERE observed_at > %s AND observed_at <= %s AND NOT from_own_output
              AND jsonb_typeof(attributes -> 'member') = 'string'
        )
        SELECT (SELECT count(DISTINCT member) FROM recent), {chosen}
    """
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        seen, size = cursor.fetchone()
    return SegmentSize(members_seen=int(seen), size=None if size is None else int(size))
