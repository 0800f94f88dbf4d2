"""Times in the API: filters given in query strings, and how times are written out.

Python accepts offsets up to +/-23:59 and years up to 9999; PostgreSQL refuses offsets past
+/-15:59 ("time zone displacement out of range") and a shift to UTC can leave Python's range.
Both must surface as a 400 naming the parameter, never as a 500 from the database. Offsets past
those any place on Earth uses (-12:00 to +14:00) are refused as the typos they are.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers

OFFSET_HINT = (
    "Give an ISO 8601 time with an offset from -12:00 to +14:00, e.g. 2026-11-23T09:00:00+01:00."
)
OFFSET_RANGE = (timedelta(hours=-12), timedelta(hours=14))


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; ``ValueError`` for an offset no time zone uses and
    ``OverflowError`` when the instant falls outside years 1-9999."""
    offset = value.utcoffset()
    if offset is not None and not OFFSET_RANGE[0] <= offset <= OFFSET_RANGE[1]:
        raise ValueError(f"offset {offset} out of range")
    return value.astimezone(UTC)


def parse_query_datetime(raw: str | None, *, field: str) -> datetime | None:
    """An aware UTC datetime from a query parameter, None when absent; a 400 naming ``field``
    when it is malformed, naive, or not representable."""
    if not raw:
        return None
    try:
        parsed = parse_datetime(raw)
        if parsed is None or parsed.tzinfo is None:
            raise ValueError(raw)
        return as_utc(parsed)
    except (ValueError, OverflowError):
        raise exceptions.ValidationError({field: [OFFSET_HINT]}) from None


def parse_query_day(raw: str | None, *, field: str) -> date | None:
    """A calendar day (YYYY-MM-DD) from a query parameter, None when absent; a 400 naming
    ``field`` when it is malformed or is the calendar's first or last day: a range of days runs
    to the next day's midnight, which the last day has not, and the first day has no midnight
    before it once shifted to UTC."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({field: ["Write the day as YYYY-MM-DD."]}) from None
    if not date.min < day < date.max:
        raise exceptions.ValidationError({field: ["Pick a day between 0001-01-02 and 9999-12-30."]})
    return day


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """django-filter's ISO 8601 field, normalised to UTC so the database never sees an offset
    it cannot store."""

    def to_python(self, value: str | None) -> datetime | None:  # type: ignore[override]
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return as_utc(parsed)
        except (ValueError, OverflowError):
            raise forms.ValidationError(OFFSET_HINT, code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


def api_datetime(value: datetime, *, tz_name: str) -> str:
    """``value`` written exactly as the API writes datetimes for a brand in ``tz_name``: ISO 8601
    with microseconds and the brand's UTC offset. Webhook payloads use it too, so a time in an
    event compares equal to the same time read from the API."""
    with timezone.override(zoneinfo.ZoneInfo(tz_name)):
        return str(serializers.DateTimeField().to_representation(value))


class AwareDateTimeField(serializers.DateTimeField):
    """A time that must carry its UTC offset (a bare local time is ambiguous for the clock of
    a network or a signal's source), read as UTC."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str) and value and not _has_offset(value):
            raise serializers.ValidationError(OFFSET_HINT, code="invalid")
        parsed = super().to_internal_value(value)
        try:
            return as_utc(parsed)
        except (ValueError, OverflowError):
            raise serializers.ValidationError(OFFSET_HINT, code="invalid") from None

    def enforce_timezone(self, value: datetime) -> datetime:
        # DRF shifts an aware time to the current zone here, and the offset it was written
        # with is lost before ``as_utc`` could refuse one no place uses (+23:00).
        try:
            as_utc(value)
        except (ValueError, OverflowError):
            raise serializers.ValidationError(OFFSET_HINT, code="invalid") from None
        return super().enforce_timezone(value)


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith(("Z", "z")) or "+" in tail or "-" in tail
