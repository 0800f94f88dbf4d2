"""Brand API for the audit trail: list it, or download it as CSV. Read-only by design."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, generics
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from brandroom.datetimes import parse_query_datetime
from tenants.audit import selectors
from tenants.audit.api.serializers import TrailEntrySerializer
from tenants.audit.models import AuditAction, AuditEntry
from tenants.permissions import BrandScopedMixin

FILTERS = [
    OpenApiParameter("action", str, required=False, enum=AuditAction.values),
    OpenApiParameter("subject_kind", str, required=False),
    OpenApiParameter("subject_id", int, required=False),
    OpenApiParameter("since", OpenApiTypes.DATETIME, required=False),
]


def _filters(request: Request) -> dict[str, Any]:
    params = request.query_params
    action = params.get("action") or None
    if action is not None and action not in AuditAction.values:
        raise exceptions.ValidationError({"action": [f"Unknown action '{action}'."]})
    subject_id: int | None = None
    if params.get("subject_id"):
        try:
            subject_id = int(params["subject_id"])
        except ValueError:
            raise exceptions.ValidationError({"subject_id": ["Give a whole number."]}) from None
    since: datetime | None = parse_query_datetime(params.get("since"), field="since")
    return {
        "action": action,
        "subject_kind": params.get("subject_kind") or None,
        "subject_id": subject_id,
        "since": since,
    }


def _documented_filter_errors(view: type[APIView]) -> type[APIView]:
    for name in ("action", "subject_id", "since"):
        view = extend_validation_errors(["invalid"], field_name=name, methods=["get"])(view)
    return view


class AuditPagination(CursorPagination):
    ordering = "id"  # append-only: id order is time order
    page_size_query_param = "page_size"
    max_page_size = 500


@_documented_filter_errors
class AuditListView(BrandScopedMixin, generics.ListAPIView):
    """The brand's audit trail, oldest first: members and roles, API keys, the brand itself,
    assistant settings, boosts and budgets. Approval steps and decisions have their own trail
    (``approvals/audit/``)."""

    read_action = "brand_audit.read"
    serializer_class = TrailEntrySerializer
    pagination_class = AuditPagination
    filter_backends: list[Any] = []

    @extend_schema(parameters=FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        return selectors.audit_entries(brand=self.brand, **_filters(self.request))


@_documented_filter_errors
class AuditExportView(BrandScopedMixin, APIView):
    """The brand's audit trail as a CSV file (times in the brand's time zone; cells that a
    spreadsheet would run as a formula start with an apostrophe)."""

    read_action = "brand_audit.read"

    @extend_schema(parameters=FILTERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        entries = selectors.audit_entries(brand=self.brand, **_filters(request))
        body = "".join(selectors.audit_csv_lines(entries=entries, tz=ZoneInfo(self.brand.timezone)))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = f"audit-trail-{self.brand.slug}-{timezone.now():%Y%m%d%H%M}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
