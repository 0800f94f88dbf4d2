"""Segments: an audience profile adopts the active hours its signals suggest, and carries
rules over the members its signals show."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from content import selectors as content
from content import services as content_services
from content.models import AudienceProfile
from listening import active_hours
from listening.errors import ListeningError
from listening.models import SegmentRule
from listening.selectors import segments
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import User

RULE_FIELDS = ("kind", "days", "percent", "from_hour", "to_hour", "topic")
MAX_RULES = 10


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


def add_segment_rule(
    *, audience_id: int, values: dict[str, Any], actor: User | None
) -> SegmentRule:
    """Give the audience profile a rule (the fields its kind needs must be there)."""
    profile = segments.audience(audience_id=audience_id)
    rule = SegmentRule(audience=profile, created_by=actor)
    for name in RULE_FIELDS:
        if name in values:
            setattr(rule, name, values[name])
    needs = {
        SegmentRule.Kind.TOP_ENGAGEMENT: ("percent",),
        SegmentRule.Kind.ACTIVE_HOURS: ("from_hour", "to_hour"),
        SegmentRule.Kind.MENTIONS_TOPIC: ("topic",),
    }[SegmentRule.Kind(rule.kind)]
    for name in needs:
        if getattr(rule, name) in (None, ""):
            raise ListeningError(f"A {rule.kind} rule needs its {name}.", field=name)
    if rule.kind == SegmentRule.Kind.ACTIVE_HOURS and rule.from_hour == rule.to_hour:
        raise ListeningError("The hours must differ.", field="to_hour")
    with transaction.atomic():
        # Lock the profile: two rules added at once cannot both pass the limit.
        content.audiences().select_for_update().filter(pk=profile.pk).values_list("pk").get()
        if segments.segment_rules(audience_id=profile.pk).count() >= MAX_RULES:
            raise ListeningError(
                f"An audience carries at most {MAX_RULES} rules.", field="kind", status_code=409
            )
        rule.save()
        audit.record(
            action=AuditAction.SEGMENT_RULE_ADDED,
            subject=rule,
            after={"audience": profile.pk, **audit.fields_of(row=rule, names=RULE_FIELDS)},
        )
    return rule


def remove_segment_rule(*, audience_id: int, rule_id: int) -> None:
    """Take a rule off the audience profile."""
    with transaction.atomic():
        rule = (
            SegmentRule.objects.select_for_update()
            .filter(pk=rule_id, audience_id=audience_id)
            .first()
        )
        if rule is None:
            raise ListeningError(
                f"The audience has no rule {rule_id}.", status_code=404, code="not_found"
            )
        audit.record(
            action=AuditAction.SEGMENT_RULE_REMOVED,
            subject=rule,
            before={"audience": audience_id, **audit.fields_of(row=rule, names=RULE_FIELDS)},
        )
        rule.delete()
