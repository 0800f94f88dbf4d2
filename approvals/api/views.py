"""Brand API for approvals; thin: validate, call a service or selector, render."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, generics, mixins, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from approvals import selectors, services
from approvals.api import serializers as s
from approvals.api.filters import RequestFilter
from approvals.errors import PersonRequired
from approvals.models import ApprovalStep, ChainRule, CoverageWindow, Incident, QuietHours
from brandroom.datetimes import parse_query_datetime
from brandroom.pagination import KeysetCursorPagination
from tenants.models import User
from tenants.permissions import BrandScopedMixin


def _person(request: Request) -> User:
    """Decisions and edits are made by people; an integrator's API key is not one."""
    if not isinstance(request.user, User):
        raise PersonRequired("Only a signed-in person can do this, not an API key.")
    return request.user


def _actor_id(request: Request) -> int | None:
    return request.user.pk if isinstance(request.user, User) else None


def _since(request: Request) -> datetime | None:
    return parse_query_datetime(request.query_params.get("since"), field="since")


def _subject_id(request: Request) -> int | None:
    raw = request.query_params.get("subject_id")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise exceptions.ValidationError({"subject_id": ["Give a whole number."]}) from None


# These views validate their query parameters by hand, so the schema must be told that a 400
# naming the parameter can come back (drf-standardized-errors only infers it for filtersets).
_since_errors = extend_validation_errors(["invalid"], field_name="since", methods=["get"])


def _policy_context() -> dict[str, Any]:
    return {
        "in_crisis": selectors.brand_in_crisis(),
        "warnings": selectors.unheld_chain_steps(),
    }


class PolicyView(BrandScopedMixin, APIView):
    """The brand's autonomy policy (thresholds and switches). Chains: ``policy/rules/``."""

    read_action = "approvals.read"
    write_action = "approvals.policy"

    def _render(self, policy: Any) -> Response:
        return Response(s.PolicySerializer(policy, context=_policy_context()).data)

    @extend_schema(responses=s.PolicySerializer)
    def get(self, request: Request) -> Response:
        return self._render(services.get_policy())

    @extend_schema(request=s.PolicyUpdateSerializer, responses=s.PolicySerializer)
    def patch(self, request: Request) -> Response:
        data = s.PolicyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.update_policy(
            actor_id=_actor_id(request), now=timezone.now(), **data.validated_data
        )
        return self._render(policy)


class PresetView(BrandScopedMixin, APIView):
    """Switch the brand to an autonomy preset (0-3); every chain is replaced by the preset's."""

    write_action = "approvals.policy"

    @extend_schema(request=s.PresetSerializer, responses=s.PolicySerializer)
    def post(self, request: Request) -> Response:
        data = s.PresetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.apply_preset(
            level=data.validated_data["level"], actor_id=_actor_id(request), now=timezone.now()
        )
        return Response(s.PolicySerializer(policy, context=_policy_context()).data)


class ChainRuleViewSet(
    BrandScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The chain per content kind and risk band: ordered steps (an empty list: no sign-off)."""

    serializer_class = s.ChainRuleSerializer
    read_action = "approvals.read"
    write_action = "approvals.policy"
    pagination_class = None
    lookup_field = "kind_band"
    lookup_value_regex = r"(post|reply|boost)-(low|medium|high)"

    def get_queryset(self) -> Any:
        return ChainRule.objects.order_by("kind", "band")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rules = list(self.get_queryset())
        # Who holds which role is read once for the list, not once per rule.
        warnings: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for warning in selectors.unheld_chain_steps(rules=rules):
            warnings[(warning["kind"], warning["band"])].append(warning)
        context = {**self.get_serializer_context(), "chain_warnings": warnings}
        return Response(self.get_serializer(rules, many=True, context=context).data)

    def get_object(self) -> ChainRule:
        kind, band = self.kwargs["kind_band"].split("-")
        return get_object_or_404(ChainRule, kind=kind, band=band)

    @extend_schema(request=s.ChainRuleSerializer, responses=s.ChainRuleSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kind, band = self.kwargs["kind_band"].split("-")
        data = s.ChainRuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.update_chain_rule(
            kind=kind,
            band=band,
            steps=[dict(step) for step in data.validated_data["steps"]],
            inform_roles=data.validated_data.get("inform_roles"),
            actor_id=_actor_id(request),
            now=timezone.now(),
        )
        return Response(s.ChainRuleSerializer(rule).data)


class RequestViewSet(BrandScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Approval requests with their steps and decisions, newest first."""

    serializer_class = s.RequestSerializer
    read_action = "approvals.read"
    filterset_class = RequestFilter
    ordering_fields = ["created_at", "finished_at"]

    def get_queryset(self) -> Any:
        return selectors.approval_requests()


class QueuePagination(KeysetCursorPagination):
    """The queue pages in deadline order (then id), like every other list: ``?cursor=`` and
    ``?page_size=``."""

    ordering = "deadline_at"


class QueueView(BrandScopedMixin, generics.ListAPIView):
    """My pending decisions on this brand, soonest deadline first, a page at a time."""

    serializer_class = s.QueueItemSerializer
    read_action = "approvals.decide"
    pagination_class = QueuePagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApprovalStep.objects.none()
        return selectors.pending_steps_for(user=_person(self.request))


class DecideView(BrandScopedMixin, APIView):
    """Approve, reject (with a reason) or request changes (with a comment) on an open step.
    409 when someone else decided first; the message says who."""

    write_action = "approvals.decide"

    @extend_schema(request=s.DecideSerializer, responses=s.RequestSerializer)
    def post(self, request: Request, step_id: int) -> Response:
        data = s.DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.decide_step(
            step_id=step_id,
            actor=_person(request),
            decision=data.validated_data["decision"],
            comment=data.validated_data["comment"],
            variant_id=data.validated_data["variant_id"],
        )
        return Response(s.RequestSerializer(selectors.get_request(request_id=step.request_id)).data)


class NotificationSettingsView(BrandScopedMixin, APIView):
    """Your own notification settings on this brand: how often non-urgent notices come as one
    digest email (urgent ones always come at once)."""

    read_action = "quiet_hours.set"
    write_action = "quiet_hours.set"

    @extend_schema(responses=s.NotificationSettingsSerializer)
    def get(self, request: Request) -> Response:
        person = _person(request)
        minutes = selectors.digest_minutes_for(user_ids=[person.pk])[person.pk]
        return Response(s.NotificationSettingsSerializer({"digest_minutes": minutes}).data)

    @extend_schema(
        request=s.NotificationSettingsSerializer, responses=s.NotificationSettingsSerializer
    )
    def put(self, request: Request) -> Response:
        person = _person(request)
        data = s.NotificationSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = services.set_digest_minutes(
            actor_id=person.pk,
            digest_minutes=data.validated_data["digest_minutes"],
            now=timezone.now(),
        )
        return Response(s.NotificationSettingsSerializer({"digest_minutes": minutes}).data)


class AuditPagination(CursorPagination):
    ordering = "id"  # append-only: id order is time order
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("subject_kind", str, required=False),
            OpenApiParameter("subject_id", int, required=False),
            OpenApiParameter("action", str, required=False),
            OpenApiParameter("since", OpenApiTypes.DATETIME, required=False),
        ]
    )
)
@_since_errors
@extend_validation_errors(["invalid"], field_name="subject_id", actions=["list"])
class AuditViewSet(BrandScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The brand's append-only audit trail (read-only, here and in the database)."""

    serializer_class = s.AuditEntrySerializer
    read_action = "audit.read"
    pagination_class = AuditPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.audit_entries(
            subject_kind=params.get("subject_kind") or None,
            subject_id=_subject_id(self.request),
            action=params.get("action") or None,
            since=_since(self.request),
        )


@_since_errors
@extend_validation_errors(["invalid"], field_name="file_format", methods=["get"])
class AuditExportView(BrandScopedMixin, APIView):
    """The audit trail as a CSV or JSON file."""

    read_action = "audit.read"

    @extend_schema(
        parameters=[
            OpenApiParameter("file_format", str, enum=["csv", "json"], default="csv"),
            OpenApiParameter("since", OpenApiTypes.DATETIME, required=False),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        file_format = request.query_params.get("file_format", "csv")
        if file_format not in ("csv", "json"):
            raise exceptions.ValidationError({"file_format": ["Use csv or json."]})
        body = selectors.export_audit(
            entries=selectors.audit_entries(since=_since(request)), file_format=file_format
        )
        content_type = "text/csv" if file_format == "csv" else "application/json"
        response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
        name = f"audit-{self.brand.slug}-{timezone.now():%Y%m%d%H%M}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@_since_errors
class FiguresView(BrandScopedMixin, APIView):
    """Median time to decision, share decided within deadline, escalations."""

    read_action = "approvals.read"

    @extend_schema(
        parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, required=False)],
        responses=s.FiguresSerializer,
    )
    def get(self, request: Request) -> Response:
        figures = selectors.approval_figures(since=_since(request))
        return Response(figures | {"unheld_chain_steps": selectors.unheld_chain_steps()})


class CoverageWindowViewSet(BrandScopedMixin, viewsets.ModelViewSet):
    """The duty rota: weekly windows in the brand's time zone."""

    serializer_class = s.CoverageWindowSerializer
    read_action = "approvals.read"
    write_action = "rota.manage"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return selectors.coverage_windows()

    def perform_create(self, serializer: BaseSerializer[CoverageWindow]) -> None:
        serializer.instance = services.create_coverage_window(
            **serializer.validated_data, actor_id=_actor_id(self.request), now=timezone.now()
        )

    def perform_update(self, serializer: BaseSerializer[CoverageWindow]) -> None:
        serializer.instance = services.update_coverage_window(
            window=serializer.instance,
            actor_id=_actor_id(self.request),
            now=timezone.now(),
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: CoverageWindow) -> None:
        services.delete_coverage_window(
            window=instance, actor_id=_actor_id(self.request), now=timezone.now()
        )


@extend_validation_errors(["invalid"], field_name="at", methods=["get"])
@extend_validation_errors(["invalid_choice"], field_name="duty", methods=["get"])
class OnDutyView(BrandScopedMixin, APIView):
    """Who is on duty now (or ``?at=`` another time; ``?duty=inbox`` for the inbox rota), and
    who an escalation would reach then (the brand's crisis state is today's: a crisis cannot
    be foreseen)."""

    read_action = "approvals.read"

    @extend_schema(parameters=[s.OnDutyQuerySerializer], responses=s.OnDutySerializer)
    def get(self, request: Request) -> Response:
        query = s.OnDutyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = query.validated_data.get("at") or timezone.now()
        targets, source = selectors.escalation_targets(now=now)
        return Response(
            {
                "at": now,
                "on_duty": selectors.people(
                    ids=selectors.on_duty_ids(now=now, duty=query.validated_data["duty"])
                ),
                "escalations_go_to": selectors.people(ids=targets),
                "source": source,
            }
        )


# The person in the URL, described as it was when user_id was a plain bigint column (the
# schema would otherwise read the person reference's type and drop the bounds).
_QUIET_HOURS_PERSON = OpenApiParameter(
    "user_id",
    {"type": "integer", "maximum": 2**63 - 1, "minimum": -(2**63), "format": "int64"},
    OpenApiParameter.PATH,
)


@extend_schema_view(
    retrieve=extend_schema(parameters=[_QUIET_HOURS_PERSON]),
    update=extend_schema(parameters=[_QUIET_HOURS_PERSON]),
    destroy=extend_schema(parameters=[_QUIET_HOURS_PERSON]),
)
class QuietHoursViewSet(
    BrandScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Daily quiet hours per person (brand time zone): reminders wait unless in a crisis.
    Anyone may set their own; setting someone else's needs the rota.manage permission."""

    serializer_class = s.QuietHoursSerializer
    read_action = "approvals.read"
    write_action = "quiet_hours.set"
    lookup_field = "user_id"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return selectors.quiet_hours()

    def _user_id(self) -> int:
        """The person in the URL; anything but a whole number names nobody (404, as GET)."""
        raw = str(self.kwargs["user_id"])
        if not raw.isascii() or not raw.isdigit():
            raise Http404
        return int(raw)

    def _check_may_edit(self, user_id: int) -> None:
        services.check_may_set_quiet_hours(
            actor_id=_person(self.request).pk,
            actor_role=getattr(self.request._request, "brand_role", None),
            user_id=user_id,
        )

    @extend_schema(request=s.QuietHoursSerializer, responses=s.QuietHoursSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user_id = self._user_id()
        self._check_may_edit(user_id)
        data = s.QuietHoursSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quiet = services.set_quiet_hours(
            user_id=user_id, actor_id=_actor_id(request), now=timezone.now(), **data.validated_data
        )
        return Response(s.QuietHoursSerializer(quiet).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user_id = self._user_id()
        self._check_may_edit(user_id)
        if not QuietHours.objects.filter(user_id=user_id).exists():
            raise Http404
        services.clear_quiet_hours(user_id=user_id, actor_id=_actor_id(request), now=timezone.now())
        return Response(status=204)


class IncidentViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents with their timelines; opening one at or above the threshold starts a crisis."""

    serializer_class = s.IncidentSerializer
    read_action = "approvals.read"
    write_action = "incidents.manage"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return selectors.incidents()

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        item_id = fields.pop("inbox_item")
        if item_id is not None:
            incident = services.open_incident_from_inbox_item(
                item_id=item_id, **fields, actor_id=_actor_id(request), now=timezone.now()
            )
        else:
            incident = services.open_incident(
                **fields, actor_id=_actor_id(request), now=timezone.now()
            )
        return Response(s.IncidentSerializer(incident).data, status=201)


class IncidentChangeView(BrandScopedMixin, APIView):
    """Add to an incident's timeline: a note, a new severity (up or down) and/or close it."""

    write_action = "incidents.manage"

    @extend_schema(request=s.IncidentChangeSerializer, responses=s.IncidentSerializer)
    def post(self, request: Request, incident_id: int) -> Response:
        get_object_or_404(Incident, pk=incident_id)
        data = s.IncidentChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_incident(
            incident_id=incident_id,
            actor_id=_actor_id(request),
            now=timezone.now(),
            **data.validated_data,
        )
        return Response(s.IncidentSerializer(selectors.incidents().get(pk=incident_id)).data)


class CrisisView(BrandScopedMixin, APIView):
    """Whether the brand is in crisis, since when and because of which incident."""

    read_action = "approvals.read"

    @extend_schema(responses=s.CrisisStateSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.CrisisStateSerializer(selectors.crisis_state()).data)
