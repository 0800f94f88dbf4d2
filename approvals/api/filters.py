"""Query filters of the approvals API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from approvals.models import ApprovalRequest
from brandroom.datetimes import UtcIsoDateTimeFilter


class RequestFilter(django_filters.FilterSet):
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    finished_after = UtcIsoDateTimeFilter(
        field_name="finished_at",
        lookup_expr="gte",
        help_text="Requests decided, expired or withdrawn at or after this time "
        "(with ?ordering=finished_at, to sync outcomes).",
    )

    subject_id = django_filters.NumberFilter(
        method="_subject",
        help_text="Requests about this draft or boost, including the items that offer it as "
        "one of a job's variants.",
    )

    class Meta:
        model = ApprovalRequest
        fields = ["status", "subject_kind", "subject_id"]

    def _subject(
        self, queryset: QuerySet[ApprovalRequest], name: str, value: int
    ) -> QuerySet[ApprovalRequest]:
        return queryset.filter(Q(subject_id=value) | Q(variant_ids__contains=[value]))
