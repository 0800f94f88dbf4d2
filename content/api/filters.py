"""List filters for the content API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from brandroom.datetimes import UtcIsoDateTimeFilter
from content.models import INBOX_OPEN, Draft, GenerationJob, InboxItem


class DraftFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*Draft.Status.choices, ("scheduled", "Scheduled")],
        method="filter_status",
        help_text="A draft status, or scheduled: approved drafts with a publish time.",
    )
    due_before = UtcIsoDateTimeFilter(
        field_name="publish_at",
        lookup_expr="lte",
        help_text="Drafts to go out at or before this time (with ?status=scheduled).",
    )
    due_after = UtcIsoDateTimeFilter(field_name="publish_at", lookup_expr="gte")
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

    def filter_status(self, queryset, name: str, value: str):  # type: ignore[no-untyped-def]
        if value == "scheduled":
            return queryset.filter(status=Draft.Status.APPROVED, publish_at__isnull=False)
        return queryset.filter(status=value)

    def filter_flag(self, queryset, name: str, value: str):  # type: ignore[no-untyped-def]
        return queryset.filter(flags__contains=[value])


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = GenerationJob
        fields = ["status", "kind", "brief", "inbox_item"]


class InboxItemFilter(django_filters.FilterSet):
    received_after = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    unanswered = django_filters.BooleanFilter(
        method="filter_unanswered", help_text="true: new, assigned or escalated items only."
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text="true: unanswered items past their reply deadline; false: all others.",
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", help_text="true: items assigned to you; false: all others."
    )
    priority = django_filters.MultipleChoiceFilter(choices=InboxItem.Priority.choices)

    class Meta:
        model = InboxItem
        fields = ["kind", "channel", "author_handle", "status", "assignee", "priority"]

    def filter_unanswered(self, queryset, name: str, value: bool):  # type: ignore[no-untyped-def]
        unanswered = Q(status__in=INBOX_OPEN)
        return queryset.filter(unanswered if value else ~unanswered)

    def filter_overdue(self, queryset, name: str, value: bool):  # type: ignore[no-untyped-def]
        late = Q(status__in=INBOX_OPEN, reply_due_at__lte=timezone.now())
        return queryset.filter(late if value else ~late)

    def filter_mine(self, queryset, name: str, value: bool):  # type: ignore[no-untyped-def]
        mine = Q(assignee_id=getattr(self.request.user, "pk", None) or 0)
        return queryset.filter(mine if value else ~mine)
