"""Brand API for paid media; thin: validate, call a service or selector, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.api.serializers import SetDraftAssetsSerializer
from assets.selectors import media_warnings_for
from assets.services import Attachment
from brandroom.datetimes import parse_query_day
from media import selectors
from media.api.serializers import (
    CANNOT_CHANGE,
    FIXED_BOOST_FIELDS,
    AlertSerializer,
    BoostAssetsSerializer,
    BoostChangeSerializer,
    BoostProposalSerializer,
    BoostReportSerializer,
    BoostSerializer,
    BrandReportSerializer,
    MediaSettingsSerializer,
    MonthlyBudgetInputSerializer,
    MonthlyBudgetSerializer,
    NoteSerializer,
    SnapshotSerializer,
)
from media.errors import BoostNotFound
from media.models import Boost
from media.services import boosts as boost_services
from media.services import budgets as budget_services
from media.services import results as result_services
from media.services import settings as settings_services
from tenants.permissions import BrandScopedMixin


def _user_id(request: Request) -> int | None:
    """The acting person (None for an API key)."""
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    return getattr(user, "pk", None)


def _attachments(items: list[dict[str, Any]]) -> list[Attachment]:
    return [Attachment(asset_id=item["asset"], alt_text=item["alt_text"]) for item in items]


def _document_fixed_fields(view: type[APIView]) -> type[APIView]:
    """The schema lists the 400 a change answers when it names a field it cannot change."""
    for name in FIXED_BOOST_FIELDS:
        view = extend_validation_errors([CANNOT_CHANGE], field_name=name, methods=["patch"])(view)
    return view


@_document_fixed_fields
class BoostViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The brand's boosts: propose, run, feed results, read pacing and figures. Sign-off of a
    boost's spend happens in the approvals app (``approvals/steps/<id>/decision/``)."""

    serializer_class = BoostSerializer
    read_action = "media.read"
    write_action = "media.write"
    actions_required = {
        "snapshots": "media.read",
        "report": "media.read",
        "alerts": "media.read",
        # Results come from integrators (API keys with the ingest scope) or the media team.
        "push_snapshot": "metrics.ingest",
    }
    filterset_fields = ["status", "network", "currency", "objective"]
    ordering_fields = ["created_at", "starts_at"]

    def get_queryset(self) -> Any:
        return selectors.boosts()

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return BoostProposalSerializer
        return BoostSerializer

    def _boost_id(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise exceptions.NotFound("Boost not found.") from None

    def _ok(self, boost: Boost, code: int = status.HTTP_200_OK) -> Response:
        return Response(BoostSerializer(boost).data, status=code)

    @extend_schema(request=BoostProposalSerializer, responses={201: BoostSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Propose a boost; it goes for sign-off by spend, or is approved under the threshold."""
        serializer = BoostProposalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Through an API key, the key and the person who created it propose the boost.
        key = getattr(request.user, "key", None)
        fields = dict(serializer.validated_data)
        boost = boost_services.propose_boost(
            brand=self.brand,
            actor_id=key.created_by_id if key is not None else _user_id(request),
            actor_key_id=key.pk if key is not None else None,
            assets=_attachments(fields.pop("assets", [])),
            **fields,
        )
        return self._ok(boost, status.HTTP_201_CREATED)

    @extend_schema(request=BoostChangeSerializer, responses=BoostSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a proposed boost (before offering it for sign-off again)."""
        body = BoostChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        boost = boost_services.update_boost(
            brand=self.brand, boost_id=self._boost_id(), **body.validated_data
        )
        return self._ok(boost)

    @extend_schema(request=None, responses=BoostSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Offer a proposed boost for sign-off again (after changes were asked for)."""
        return self._ok(boost_services.submit_boost(boost_id=self._boost_id()))

    @extend_schema(request=None, responses=BoostSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        """Start an approved boost."""
        return self._ok(boost_services.activate_boost(boost_id=self._boost_id()))

    @extend_schema(request=NoteSerializer, responses=BoostSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        """Pause an active boost."""
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._ok(
            boost_services.pause_boost(boost_id=self._boost_id(), note=body.validated_data["note"])
        )

    @extend_schema(request=None, responses=BoostSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        """Deliver a paused boost again."""
        return self._ok(boost_services.resume_boost(boost_id=self._boost_id()))

    @extend_schema(request=None, responses=BoostSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Mark a boost as finished."""
        return self._ok(boost_services.complete_boost(boost_id=self._boost_id()))

    @extend_schema(request=NoteSerializer, responses=BoostSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Call a boost off and release its budget."""
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._ok(
            boost_services.cancel_boost(
                boost_id=self._boost_id(),
                note=body.validated_data["note"],
                actor_id=_user_id(request),
            )
        )

    @extend_schema(request=None, responses=SnapshotSerializer(many=True))
    @action(detail=True, methods=["get"])
    def snapshots(self, request: Request, pk: str) -> Response:
        """Results the integrators reported, per period."""
        boost_id = self._boost_id()
        self._get_boost(boost_id)
        page = self.paginate_queryset(selectors.snapshots_of(boost_id=boost_id))
        return self.get_paginated_response(SnapshotSerializer(page, many=True).data)

    @extend_schema(
        request=SnapshotSerializer, responses={200: SnapshotSerializer, 201: SnapshotSerializer}
    )
    @snapshots.mapping.post
    def push_snapshot(self, request: Request, pk: str) -> Response:
        """Report results for one period. The same period again replaces it (200); a new
        period answers 201. Spend at or past a cap pauses the boost and raises an alert."""
        body = SnapshotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = result_services.record_snapshot(
            brand=self.brand, boost_id=self._boost_id(), **body.validated_data
        )
        return Response(
            SnapshotSerializer(outcome.snapshot).data,
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )

    def _assets_answer(self, request: Request, boost_id: int) -> Response:
        boost = self._get_boost(boost_id)
        links = selectors.boost_assets(boost_id=boost_id)
        body = {
            "boost": boost_id,
            "assets": links,
            "warnings": media_warnings_for(network=boost.network, links=links),
        }
        return Response(BoostAssetsSerializer(body, context={"request": request}).data)

    @extend_schema(request=None, responses=BoostAssetsSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def assets(self, request: Request, pk: str) -> Response:
        """The boost's creative: images and videos of the brand's library in order with alt
        text and signed URLs, and ``warnings`` for the boost's network (missing alt text,
        shapes it would crop, a network that needs media)."""
        return self._assets_answer(request, self._boost_id())

    @extend_schema(request=SetDraftAssetsSerializer, responses=BoostAssetsSerializer)
    @assets.mapping.put
    def set_assets(self, request: Request, pk: str) -> Response:
        """Replace the boost's creative, in order with alt text. A proposed boost changes in
        place; a boost waiting for sign-off is offered afresh (its open request withdrawn, the
        chain started again); approved or running boosts are a 409. More images than its
        network takes, or an asset that does not exist, is a 400 naming it."""
        boost_id = self._boost_id()
        self._get_boost(boost_id)
        body = SetDraftAssetsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = getattr(request.user, "key", None)
        boost_services.set_boost_assets(
            boost_id=boost_id,
            attachments=_attachments(body.validated_data["assets"]),
            actor=key.created_by if key is not None else request.user,
            actor_key_id=key.pk if key is not None else None,
        )
        return self._assets_answer(request, boost_id)

    @extend_schema(request=None, responses=BoostReportSerializer)
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        """Results, figures (CPM, CPC, CTR, cost per result) and pacing of one boost."""
        boost = self._get_boost(self._boost_id())
        report = selectors.boost_report(
            boost=boost, tz=ZoneInfo(self.brand.timezone), now=timezone.now()
        )
        return Response(BoostReportSerializer(report).data)

    @extend_schema(request=None, responses=AlertSerializer(many=True))
    @action(detail=True, methods=["get"])
    def alerts(self, request: Request, pk: str) -> Response:
        """Alerts raised for one boost."""
        boost_id = self._boost_id()
        self._get_boost(boost_id)
        page = self.paginate_queryset(selectors.alerts(boost_id=boost_id))
        return self.get_paginated_response(AlertSerializer(page, many=True).data)

    def _get_boost(self, boost_id: int) -> Boost:
        try:
            return selectors.get_boost(boost_id=boost_id)
        except Boost.DoesNotExist:
            raise BoostNotFound(f"There is no boost {boost_id}.") from None


class AlertListView(BrandScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every boost alert of the brand, newest first."""

    serializer_class = AlertSerializer
    read_action = "media.read"
    filterset_fields = ["kind", "boost"]

    def get_queryset(self) -> Any:
        return selectors.alerts()


class MonthlyBudgetView(BrandScopedMixin, APIView):
    """The brand's monthly media budgets per currency, with what boosts hold and what is left."""

    read_action = "media.read"
    write_action = "media.manage"

    @extend_schema(responses=MonthlyBudgetSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.budget_overview(tz=ZoneInfo(self.brand.timezone))
        return Response(MonthlyBudgetSerializer(rows, many=True).data)

    @extend_schema(request=MonthlyBudgetInputSerializer, responses=MonthlyBudgetSerializer)
    def put(self, request: Request) -> Response:
        """Set the budget of one month in one currency (replacing any earlier amount)."""
        body = MonthlyBudgetInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        budget = budget_services.set_monthly_budget(**body.validated_data)
        row = next(
            r
            for r in selectors.budget_overview(tz=ZoneInfo(self.brand.timezone))
            if r.month == budget.month and r.currency == budget.currency
        )
        return Response(MonthlyBudgetSerializer(row).data)


class MediaSettingsView(BrandScopedMixin, APIView):
    """Pacing tolerance. Who signs off how much spend is the approvals policy's
    (``approvals/policy/``)."""

    read_action = "media.read"
    write_action = "media.manage"

    def _body(self) -> dict[str, Any]:
        settings = selectors.media_settings()
        return {"pacing_tolerance_percent": settings.pacing_tolerance_percent}

    @extend_schema(responses=MediaSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(MediaSettingsSerializer(self._body()).data)

    @extend_schema(request=MediaSettingsSerializer, responses=MediaSettingsSerializer)
    def patch(self, request: Request) -> Response:
        body = MediaSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            settings_services.update_media_settings(**body.validated_data)
        return Response(MediaSettingsSerializer(self._body()).data)


# The query parameters are checked by hand; the schema must still document their 400s.
@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
@extend_validation_errors(["invalid"], field_name="group", methods=["get"])
class BrandReportView(BrandScopedMixin, APIView):
    """The brand's paid-media results per currency, overall or for a period of brand-local
    days (``from`` and ``to`` inclusive, YYYY-MM-DD), optionally broken down by ``group``
    (day, week or month, in the brand's time zone); amounts never mix currencies."""

    GROUPS = ("day", "week", "month")

    read_action = "media.read"

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date, required=False),
            OpenApiParameter("to", date, required=False),
            OpenApiParameter("group", str, required=False, enum=["day", "week", "month"]),
        ],
        responses=BrandReportSerializer,
    )
    def get(self, request: Request) -> Response:
        tz = ZoneInfo(self.brand.timezone)
        start_day = self._day("from")
        end_day = self._day("to")
        if start_day and end_day and end_day < start_day:
            raise exceptions.ValidationError({"to": ["The period ends before it starts."]})
        start = datetime.combine(start_day, time.min, tzinfo=tz) if start_day else None
        end = (
            datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=tz) if end_day else None
        )
        group = request.query_params.get("group") or None
        if group is not None and group not in self.GROUPS:
            raise exceptions.ValidationError({"group": ["Group by day, week or month."]})
        rows = selectors.currency_totals(period_start=start, period_end=end)
        periods = (
            selectors.period_totals(tz=tz, group=group, period_start=start, period_end=end)
            if group
            else []
        )
        return Response(
            BrandReportSerializer(
                {
                    "period_from": start_day,
                    "period_to": end_day,
                    "timezone": self.brand.timezone,
                    "group": group,
                    "by_currency": rows,
                    "by_period": periods,
                }
            ).data
        )

    def _day(self, name: str) -> date | None:
        return parse_query_day(self.request.query_params.get(name), field=name)
