"""Brand API for results and KPIs; thin: validate, call a service or selector, render."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom.datetimes import parse_query_day
from brandroom.http.query import documents_unknown_parameters, refuse_unknown_parameters
from brandroom.spreadsheets import safe_cell
from content import selectors as content_selectors
from results import catalogue
from results.api import serializers as s
from results.selectors import kpis as kpi_selectors
from results.selectors import readiness, results
from results.services import ingest
from results.services import kpis as kpi_services
from results.services import settings as settings_services
from tenants.attention.api.serializers import ReadinessQuerySerializer, ReadinessWeekSerializer
from tenants.attention.selectors import readiness_history
from tenants.permissions import BrandScopedMixin


class PostSnapshotBatchView(BrandScopedMixin, APIView):
    """Report lifetime figures of published posts, up to 500 snapshots per call. Counters never
    go down unless a snapshot is marked ``correction``; the same post and observed time again is
    idempotent. One bad snapshot refuses the batch with a 400 naming
    ``snapshots.<index>.<field>``, and nothing of it is stored."""

    write_action = "metrics.ingest"

    @extend_schema(request=s.PostSnapshotBatchSerializer, responses=s.IngestOutcomeSerializer)
    def post(self, request: Request) -> Response:
        body = s.PostSnapshotBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = ingest.ingest_post_snapshots(
            brand=self.brand, snapshots=body.validated_data["snapshots"]
        )
        return Response(s.IngestOutcomeSerializer(outcome).data)


class ChannelDayBatchView(BrandScopedMixin, APIView):
    """Report channels' daily figures (followers at the end of the day, profile visits,
    mentions by sentiment), up to 500 per call; a day sent again replaces it. One bad item
    refuses the batch with a 400 naming ``days.<index>.<field>``."""

    write_action = "metrics.ingest"

    @extend_schema(request=s.ChannelDayBatchSerializer, responses=s.IngestOutcomeSerializer)
    def post(self, request: Request) -> Response:
        body = s.ChannelDayBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = ingest.ingest_channel_days(days=body.validated_data["days"])
        return Response(s.IngestOutcomeSerializer(outcome).data)


# --- ranges, results, figures ---------------------------------------------------------------


def _day_param(request: Request, name: str, default: date) -> date:
    return parse_query_day(request.query_params.get(name), field=name) or default


def date_range(request: Request, tz: ZoneInfo) -> tuple[date, date]:
    """``from`` and ``to`` (inclusive brand-local days; the last 90 days by default) as
    [start, end)."""
    today = timezone.now().astimezone(tz).date()
    end_day = _day_param(request, "to", today)
    start_day = _day_param(request, "from", end_day - timedelta(days=89))
    if end_day < start_day:
        raise exceptions.ValidationError({"to": ["The range ends before it starts."]})
    if (end_day - start_day).days > 3 * 366:
        raise exceptions.ValidationError({"from": ["Ask for at most three years at a time."]})
    return start_day, end_day + timedelta(days=1)


RANGE_PARAMS = [
    OpenApiParameter("from", date, required=False, description="First brand-local day."),
    OpenApiParameter("to", date, required=False, description="Last brand-local day (included)."),
]
SCOPE_PARAMS = [
    OpenApiParameter("channel", int, required=False),
    OpenApiParameter("audience", int, required=False),
    OpenApiParameter("campaign", str, required=False),
]


def _int_param(request: Request, name: str, *, default: int | None, top: int) -> int | None:
    text = request.query_params.get(name)
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= top:
        raise exceptions.ValidationError({name: [f"Give a whole number from 1 to {top}."]})
    return int(text)


def _post_scope(request: Request) -> tuple[str, str]:
    for kind in ("channel", "audience"):
        if request.query_params.get(kind):
            return kind, str(_int_param(request, kind, default=None, top=2**62))
    if request.query_params.get("campaign"):
        return "campaign", request.query_params["campaign"]
    return "", ""


def _ordering(request: Request) -> bool:
    """True for best first (the default)."""
    value = request.query_params.get("ordering") or "-engagement_rate"
    if value not in ("-engagement_rate", "engagement_rate"):
        raise exceptions.ValidationError(
            {"ordering": ["Order by -engagement_rate (best first) or engagement_rate (worst)."]}
        )
    return value == "-engagement_rate"


@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
@extend_validation_errors(["invalid"], field_name="ordering", methods=["get"])
@extend_validation_errors(["invalid"], field_name="limit", methods=["get"])
@extend_validation_errors(["invalid"], field_name="channel", methods=["get"])
@extend_validation_errors(["invalid"], field_name="audience", methods=["get"])
class PostResultsView(BrandScopedMixin, APIView):
    """Posts published in the range with their latest reported figures, best engagement rate
    first (``ordering=engagement_rate`` for the worst); engagements are reactions + comments +
    shares + saves, the engagement rate engagements / impressions x 100."""

    read_action = "results.read"

    def rows(self, request: Request) -> Any:
        tz = ZoneInfo(self.brand.timezone)
        start, end = date_range(request, tz)
        return results.post_results(
            start=start,
            end=end,
            tz=tz,
            scope=_post_scope(request),
            best_first=_ordering(request),
            limit=_int_param(request, "limit", default=50, top=1000) or 50,
        )

    @extend_schema(
        parameters=[
            *RANGE_PARAMS,
            *SCOPE_PARAMS,
            OpenApiParameter("ordering", str, enum=["-engagement_rate", "engagement_rate"]),
            OpenApiParameter("limit", int, required=False, description="1-1000, default 50."),
        ],
        responses=s.PostResultSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return Response(s.PostResultSerializer(self.rows(request), many=True).data)


class PostResultsExportView(PostResultsView):
    """The same rows as CSV. Cells that a spreadsheet would run as a formula are written with
    a leading apostrophe (CSV injection)."""

    @extend_schema(
        parameters=[
            *RANGE_PARAMS,
            *SCOPE_PARAMS,
            OpenApiParameter("ordering", str, enum=["-engagement_rate", "engagement_rate"]),
            OpenApiParameter("limit", int, required=False),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> HttpResponse:  # type: ignore[override]
        data = s.PostResultSerializer(self.rows(request), many=True).data
        fields = list(s.PostResultSerializer().fields)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="post-results.csv"'
        writer = csv.writer(response)
        writer.writerow(fields)
        for row in data:
            writer.writerow([safe_cell(row[name]) for name in fields])
        return response


@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
@extend_validation_errors(["invalid"], field_name="by", methods=["get"])
class BreakdownView(BrandScopedMixin, APIView):
    """What grew in the range per channel, audience, campaign or plan pillar (``by``), best
    engagement rate first. A post counts for the pillar its brief was started for."""

    read_action = "results.read"

    @extend_schema(
        parameters=[
            *RANGE_PARAMS,
            OpenApiParameter("by", str, enum=["channel", "audience", "campaign", "pillar"]),
        ],
        responses=s.BreakdownRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        by = request.query_params.get("by") or "channel"
        if by not in results.BREAKDOWNS:
            raise exceptions.ValidationError(
                {"by": ["Break down by channel, audience, campaign or pillar."]}
            )
        start, end = date_range(request, ZoneInfo(self.brand.timezone))
        rows = results.breakdown(by=by, start=start, end=end)
        return Response(s.BreakdownRowSerializer(rows, many=True).data)


@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
class FiguresView(BrandScopedMixin, APIView):
    """Figures Brandroom computes from its own data over the range: reply time, replies inside
    the deadline, sign-off time per kind, posts published, novelty rejections, AI cost per
    published post, organic and paid engagements, paid results (definitions: kpis/catalogue/)."""

    read_action = "results.read"

    @extend_schema(parameters=RANGE_PARAMS, responses=s.ResultsFiguresSerializer)
    def get(self, request: Request) -> Response:
        tz = ZoneInfo(self.brand.timezone)
        start, end = date_range(request, tz)
        figures = results.own_figures(
            start=start,
            end=end,
            tz=tz,
            now=timezone.now(),
            reply_deadline_minutes=content_selectors.reply_deadline_minutes(),
        )
        body = {"period_from": start, "period_to": end - timedelta(days=1), "figures": figures}
        return Response(s.ResultsFiguresSerializer(body).data)


# --- departments and KPIs -------------------------------------------------------------------


class DepartmentListView(BrandScopedMixin, APIView):
    """The brand's steering committee: departments and the people in each."""

    read_action = "results.read"
    write_action = "departments.manage"

    @extend_schema(responses=s.DepartmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.DepartmentSerializer(kpi_selectors.departments(), many=True).data)

    @extend_schema(request=s.DepartmentSerializer, responses={201: s.DepartmentSerializer})
    def post(self, request: Request) -> Response:
        body = s.DepartmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        department = kpi_services.create_department(name=body.validated_data["name"])
        return Response(s.DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)


class DepartmentMembersView(BrandScopedMixin, APIView):
    """Seat a brand member in a department."""

    read_action = "results.read"
    write_action = "departments.manage"

    @extend_schema(request=s.DepartmentMemberSerializer, responses={201: s.DepartmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        body = s.DepartmentMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kpi_services.add_department_member(
            brand=self.brand, department_id=pk, user_id=body.validated_data["user_id"]
        )
        department = kpi_selectors.departments().get(pk=pk)
        return Response(s.DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)


class DepartmentMemberView(BrandScopedMixin, APIView):
    """Take someone off a department."""

    read_action = "results.read"
    write_action = "departments.manage"

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        kpi_services.remove_department_member(department_id=pk, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CatalogueView(BrandScopedMixin, APIView):
    """What a KPI can measure, with each metric's definition."""

    read_action = "results.read"

    @extend_schema(responses=s.CatalogueMetricSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = [{**m.__dict__, "scopes": sorted(m.scopes)} for m in catalogue.CATALOGUE.values()]
        return Response(s.CatalogueMetricSerializer(rows, many=True).data)


def _history(request: Request) -> int | None:
    return _int_param(request, "history", default=None, top=60)


HISTORY_PARAM = OpenApiParameter(
    "history",
    int,
    required=False,
    description="Periods to show, the current one included (default: the last three months).",
)


@extend_validation_errors(["invalid"], field_name="history", methods=["get"])
class KpiListView(BrandScopedMixin, APIView):
    """The brand's KPIs, each with the current period's actual, projection, target, variance,
    trend and status (on_track, at_risk, off_track, no_data) and the periods before it."""

    read_action = "results.read"
    write_action = "kpis.manage"

    @extend_schema(parameters=[HISTORY_PARAM], responses=s.KpiSerializer(many=True))
    def get(self, request: Request) -> Response:
        reports = kpi_selectors.kpi_reports(
            tz=ZoneInfo(self.brand.timezone), now=timezone.now(), history=_history(request)
        )
        return Response(s.KpiSerializer(reports, many=True).data)

    @extend_schema(request=s.KpiInputSerializer, responses={201: s.KpiSerializer})
    def post(self, request: Request) -> Response:
        body = s.KpiInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        kpi = kpi_services.create_kpi(
            name=data["name"],
            metric=data["metric"],
            period=data["period"],
            direction=data["direction"],
            target=data["target"],
            department_id=data["department"],
            owner_id=data["owner"],
            actor_id=_user_id(request),
            scope={k: data.get(k) for k in kpi_services.SCOPE_FIELDS},
        )
        return Response(self_report(self.brand, kpi.pk), status=status.HTTP_201_CREATED)


@extend_validation_errors(["invalid"], field_name="history", methods=["get"])
class KpiDetailView(BrandScopedMixin, APIView):
    """One KPI with its actuals per period and the history of its targets."""

    read_action = "results.read"
    write_action = "kpis.manage"

    @extend_schema(parameters=[HISTORY_PARAM], responses=s.KpiSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(self_report(self.brand, pk, history=_history(request)))

    @extend_schema(request=s.KpiChangeSerializer, responses=s.KpiSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        """Change name, target, direction, department or owner; a new target joins the
        history and past periods keep the target they had."""
        body = s.KpiChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        kpi_services.update_kpi(
            kpi_id=pk,
            actor_id=_user_id(request),
            name=data.get("name"),
            target=data.get("target"),
            direction=data.get("direction"),
            department_id=data.get("department"),
            owner_id=data.get("owner"),
        )
        return Response(self_report(self.brand, pk))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        kpi_services.delete_kpi(kpi_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def self_report(brand: Any, kpi_id: int, *, history: int | None = None) -> Any:
    kpi = kpi_selectors.kpis().filter(pk=kpi_id).first()
    if kpi is None:
        raise exceptions.NotFound(f"There is no KPI {kpi_id}.")
    report = kpi_selectors.kpi_report(
        kpi=kpi, tz=ZoneInfo(brand.timezone), now=timezone.now(), history=history
    )
    return s.KpiSerializer(report).data


def _user_id(request: Request) -> int | None:
    user = request.user
    return user.pk if getattr(user, "is_authenticated", False) else None


class ResultsSettingsView(BrandScopedMixin, APIView):
    """The reply deadline inbox replies are judged by: the brand's one reply policy, the same
    that sets each inbox item's deadline (also in the assistant settings)."""

    read_action = "results.read"
    write_action = "kpis.manage"

    @extend_schema(responses=s.ResultsSettingsSerializer)
    def get(self, request: Request) -> Response:
        minutes = content_selectors.reply_deadline_minutes()
        return Response(s.ResultsSettingsSerializer({"reply_deadline_minutes": minutes}).data)

    @extend_schema(request=s.ResultsSettingsSerializer, responses=s.ResultsSettingsSerializer)
    def patch(self, request: Request) -> Response:
        body = s.ResultsSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        minutes = settings_services.update_reply_deadline(**body.validated_data)
        return Response(s.ResultsSettingsSerializer({"reply_deadline_minutes": minutes}).data)


class ReadinessView(BrandScopedMixin, APIView):
    """How ready the brand is to be always on: a 0-100 score per criterion with its evidence
    and the one change that would raise it most, for all seven always-on criteria."""

    read_action = "results.read"

    @extend_schema(responses=s.ReadinessSerializer)
    def get(self, request: Request) -> Response:
        body = readiness.brand_readiness(now=timezone.now(), tz=ZoneInfo(self.brand.timezone))
        return Response(s.ReadinessSerializer(body).data)


@documents_unknown_parameters
@extend_validation_errors(
    ["invalid", "min_value", "max_value"], field_name="weeks", methods=["get"]
)
class ReadinessHistoryView(BrandScopedMixin, APIView):
    """The brand's readiness week by week (each week's last daily reading), oldest first."""

    read_action = "results.read"

    @extend_schema(
        parameters=[ReadinessQuerySerializer], responses=ReadinessWeekSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        refuse_unknown_parameters(request, ReadinessQuerySerializer().fields)
        query = ReadinessQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        rows = readiness_history(brand_id=self.brand.pk, weeks=query.validated_data["weeks"])
        return Response(ReadinessWeekSerializer(rows, many=True).data)
