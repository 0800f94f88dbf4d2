"""The attention cockpit's API: what waits for the signed-in person in every brand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom.http.query import documents_unknown_parameters, refuse_unknown_parameters
from brandroom.pagination import KeysetCursorPagination
from tenants.attention import selectors
from tenants.attention.api import serializers as s
from tenants.models import User


class AttentionPagination(KeysetCursorPagination):
    """Most urgent first: the earliest deadline, or the longest wait where there is none."""

    ordering = "urgent_at"


@documents_unknown_parameters
@extend_validation_errors(["invalid", "invalid_choice"], field_name="kind", methods=["get"])
@extend_validation_errors(["invalid"], field_name="brand", methods=["get"])
@extend_validation_errors(["invalid"], field_name="overdue", methods=["get"])
class AttentionView(APIView):
    """Approval steps waiting for you, brands in crisis, inbox items past their reply
    deadline, failed AI jobs, paused or off-pace boosts, KPIs off track and plan gaps in the
    next 14 days, across every brand
    you are a member of (only what your role there may act on), most urgent first, with counts
    per brand and kind. Filters: ``brand``, ``kind``, ``overdue``; any other name is a 400."""

    @extend_schema(
        parameters=[
            s.AttentionQuerySerializer,
            OpenApiParameter("cursor", str, description="The page cursor (from next/previous)."),
            OpenApiParameter("page_size", int, description="Rows per page (at most 200)."),
        ],
        responses=s.AttentionPageSerializer,
    )
    def get(self, request: Request) -> Response:
        if not isinstance(request.user, User):
            raise exceptions.PermissionDenied("The cockpit is a person's; API keys have none.")
        refuse_unknown_parameters(request, s.AttentionQuerySerializer().fields)
        # A plain dict, not the QueryDict: DRF reads a missing boolean in form data as false.
        query = s.AttentionQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        now = timezone.now()
        brands = selectors.member_brands(user=request.user)
        rows = selectors.attention_for(
            user=request.user, brands=brands, now=now, **query.validated_data
        )
        counts = selectors.attention_counts(rows=rows, brands=brands, now=now)
        paginator = AttentionPagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        by_id = {b.id: b for b in brands.values()}
        results = s.AttentionRowSerializer([_shown(row, by_id, now) for row in page], many=True)
        response = paginator.get_paginated_response(results.data)
        response.data["counts"] = s.AttentionCountsSerializer(
            {
                "total": sum(c.total for c in counts),
                "overdue": sum(c.overdue for c in counts),
                "brands": counts,
            }
        ).data
        return response


def _shown(row: Any, brands: dict[int, selectors.MemberBrand], now: Any) -> dict[str, Any]:
    brand = brands[row.brand_id]
    return {
        "id": row.pk,
        "brand_slug": brand.slug,
        "brand_name": brand.name,
        "kind": row.kind,
        "source_id": row.source_id,
        "title": row.title,
        "link": row.link,
        "since": row.since,
        "due_at": row.due_at,
        "overdue": row.due_at is not None and row.due_at <= now,
        "age_seconds": max(0, int((now - row.since).total_seconds())),
    }


@documents_unknown_parameters
@extend_validation_errors(
    ["invalid", "min_value", "max_value"], field_name="weeks", methods=["get"]
)
class AgencyReadinessView(APIView):
    """The always-on readiness of the agency's brands: each brand's latest week and the
    agency's weekly mean. Agency admins see every active brand of the agency; other people the
    agency's brands they are a member of."""

    @extend_schema(parameters=[s.ReadinessQuerySerializer], responses=s.AgencyReadinessSerializer)
    def get(self, request: Request, slug: str) -> Response:
        if not isinstance(request.user, User):
            raise exceptions.PermissionDenied("Readiness across brands is a person's view.")
        refuse_unknown_parameters(request, s.ReadinessQuerySerializer().fields)
        query = s.ReadinessQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        brands = selectors.agency_brands_for(user=request.user, agency_slug=slug)
        if brands is None:
            raise exceptions.NotFound("Agency not found.")
        weeks = query.validated_data["weeks"]
        latest = selectors.latest_readiness(brand_ids=[b.pk for b in brands])
        today = timezone.now().date()
        since = today - timedelta(days=today.weekday() + 7 * (weeks - 1) + 6)
        overalls = [r.overall for r in latest.values() if r.overall is not None]
        body = {
            "agency": slug,
            "overall": round(sum(overalls) / len(overalls)) if overalls else None,
            "brands": [
                {"brand": b.slug, "name": b.name, "latest": latest.get(b.pk)} for b in brands
            ],
            "history": selectors.readiness_by_week(brand_ids=[b.pk for b in brands], since=since)[
                -weeks:
            ],
        }
        return Response(s.AgencyReadinessSerializer(body).data)
