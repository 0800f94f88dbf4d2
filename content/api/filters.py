"""List filters for the content API."""

from __future__ import annotations

import django_filters

from brandroom.datetimes import UtcIsoDateTimeFilter
from content.models import Draft, GenerationJob, InboxItem


class DraftFilter(django_filters.FilterSet):
    risk_min = django_filters.NumberFilter(field_name="risk_score", lookup_expr="gte")
    risk_max = django_filters.NumberFilter(field_name="risk_score", lookup_expr="lte")
    flag = django_filters.CharFilter(method="filter_flag", help_text="Drafts carrying this flag.")
    updated_after = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Drafts changed at or after this time (with ?ordering=updated_at, to sync).",
    )

    class Meta:
        model = Draft
        fields = ["status", "kind", "channel", "audience", "brief", "inbox_item", "job", "parent"]

    def filter_flag(self, queryset, name: str, value: str):  # type: ignore[no-untyped-def]
        return queryset.filter(flags__contains=[value])


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = GenerationJob
        fields = ["status", "kind", "brief", "inbox_item"]


class InboxItemFilter(django_filters.FilterSet):
    received_after = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")

    class Meta:
        model = InboxItem
        fields = ["kind", "channel", "author_handle"]
