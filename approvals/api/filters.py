"""Query filters of the approvals API."""

from __future__ import annotations

import django_filters

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

    class Meta:
        model = ApprovalRequest
        fields = ["status", "subject_kind", "subject_id"]
