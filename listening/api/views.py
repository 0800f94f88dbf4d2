"""Brand API for listening; thin: validate, call a service or selector, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom.datetimes import parse_query_day
from listening.api import serializers as s
from listening.models import SignalKind
from listening.selectors import aggregates, conditions, segments
from listening.selectors import alerts as alert_selectors
from listening.selectors import crisis as crisis_selectors
from listening.selectors import triggers as trigger_selectors
from listening.services import alerts as alert_services
from listening.services import crisis as crisis_services
from listening.services import segments as segment_services
from listening.services import signals as signal_services
from listening.services import triggers as trigger_services
from tenants.permissions import BrandScopedMixin


def _tz(brand: Any) -> ZoneInfo:
    return ZoneInfo(brand.timezone)


def _user(request: Request) -> Any:
    user = request.user
    return user if getattr(user, "is_authenticated", False) and user.pk else None


@extend_validation_errors(["invalid"], field_name="kind", methods=["get"])
class SignalListView(BrandScopedMixin, generics.ListAPIView):
    """The brand's signals, newest observed first (``kind``, ``source``, ``topic`` narrow
    them); POST a batch of up to 1,000.

    A batch is stored whole or not at all: one bad item refuses it with a 400 naming
    ``signals.<index>.<field>``. Storing is idempotent by (source, external_id): the answer
    lists which items were stored now (``created``) and which were already stored
    (``duplicates``, left as they were), so a retried batch stores nothing twice. New signals
    make the worker judge the brand's triggers."""

    serializer_class = s.SignalSerializer
    read_action = "listening.read"
    write_action = "signals.ingest"
    # Every string a signal keeps is a CharField (which refuses NUL) or an attribute (which
    # ``_attributes`` checks): a NUL is named as ``signals.<index>.<field>`` like any other
    # bad value, not as the parser's unnamed parse error.
    serializer_refuses_nul = True
    ordering = "-observed_at"
    ordering_fields = ["observed_at"]

    def get_queryset(self) -> Any:
        params = self.request.query_params
        kind = params.get("kind")
        if kind and kind not in SignalKind.values:
            raise exceptions.ValidationError(
                {"kind": [f"Pick one of {', '.join(SignalKind.values)}."]}
            )
        return aggregates.signals(kind=kind, source=params.get("source"), topic=params.get("topic"))

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=SignalKind.values, required=False),
            OpenApiParameter("source", str, required=False),
            OpenApiParameter("topic", str, required=False),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.SignalBatchSerializer, responses=s.SignalIngestOutcomeSerializer)
    def post(self, request: Request) -> Response:
        body = s.SignalBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = signal_services.ingest_signals(items=body.validated_data["signals"])
        return Response(s.SignalIngestOutcomeSerializer(outcome).data)


def _period(request: Request, tz: ZoneInfo, *, longest: int) -> tuple[datetime, datetime]:
    """``from`` and ``to`` (inclusive brand-local days; the last 7 by default) as [start, end)
    instants, at most ``longest`` days."""
    today = timezone.now().astimezone(tz).date()
    last = parse_query_day(request.query_params.get("to"), field="to") or today
    first = parse_query_day(request.query_params.get("from"), field="from") or (
        last - timedelta(days=6)
    )
    if last < first:
        raise exceptions.ValidationError({"to": ["The period ends before it starts."]})
    if (last - first).days + 1 > longest:
        raise exceptions.ValidationError(
            {"from": [f"Ask for at most {longest} days at this bucket size."]}
        )
    return _midnight(first, tz), _midnight(last + timedelta(days=1), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


# Longest period per bucket size: a chart's worth of buckets.
LONGEST = {"hour": 31, "day": 366}


@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
@extend_validation_errors(["invalid"], field_name="bucket", methods=["get"])
@extend_validation_errors(["invalid"], field_name="by", methods=["get"])
@extend_validation_errors(["invalid"], field_name="kind", methods=["get"])
@extend_validation_errors(["invalid"], field_name="audience", methods=["get"])
class AggregatesView(BrandScopedMixin, APIView):
    """Signals per hour or brand-local day (``bucket``) over a period and per ``by`` group
    (comma-separated: kind, source, topic, audience): count, sum and mean of the values, mean
    sentiment, negative and positive counts, and each group's share of its bucket."""

    read_action = "listening.read"

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date, required=False, description="First brand-local day."),
            OpenApiParameter("to", date, required=False, description="Last day (included)."),
            OpenApiParameter("bucket", str, enum=list(aggregates.BUCKETS), required=False),
            OpenApiParameter(
                "by", str, required=False, description="kind, source, topic and/or audience."
            ),
            OpenApiParameter("kind", str, enum=SignalKind.values, required=False),
            OpenApiParameter("source", str, required=False),
            OpenApiParameter("topic", str, required=False),
            OpenApiParameter("audience", int, required=False),
        ],
        responses=s.AggregateRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        bucket = params.get("bucket") or "day"
        if bucket not in aggregates.BUCKETS:
            raise exceptions.ValidationError({"bucket": ["Bucket by hour or day."]})
        by = [name for name in (params.get("by") or "").split(",") if name]
        unknown = [name for name in by if name not in aggregates.GROUPS]
        if unknown or len(set(by)) != len(by):
            raise exceptions.ValidationError(
                {"by": ["Group by kind, source, topic and/or audience, each once."]}
            )
        filters: dict[str, Any] = {}
        if params.get("kind"):
            if params["kind"] not in SignalKind.values:
                raise exceptions.ValidationError({"kind": ["Not a kind of signal."]})
            filters["kind"] = params["kind"]
        for name in ("source", "topic"):
            if params.get(name):
                filters[name] = params[name]
        if params.get("audience"):
            if not params["audience"].isdigit() or not 1 <= int(params["audience"]) < 2**63:
                raise exceptions.ValidationError({"audience": ["Give an audience id."]})
            filters["audience"] = int(params["audience"])
        tz = _tz(self.brand)
        start, end = _period(request, tz, longest=LONGEST[bucket])
        rows = aggregates.signal_aggregates(
            start=start, end=end, tz=tz, bucket=bucket, by=by, filters=filters
        )
        return Response(s.AggregateRowSerializer(rows, many=True).data)


class SegmentActivityView(BrandScopedMixin, APIView):
    """An audience's activity learned from its signals: signals per hour of the brand's day
    over the last 28 days, the active hours they suggest (the busiest hours holding half of the
    activity; none below 20 signals), and when its next active hour starts (the profile's own
    active hours first)."""

    read_action = "listening.read"

    @extend_schema(responses=s.SegmentActivitySerializer)
    def get(self, request: Request, pk: int) -> Response:
        activity = segments.segment_activity(
            audience_id=pk,
            tz=_tz(self.brand),
            now=timezone.now(),
            lead=trigger_services.LEAD_TIME,
        )
        return Response(s.SegmentActivitySerializer(activity).data)


class AdoptActiveHoursView(BrandScopedMixin, APIView):
    """Write the suggested active hours onto the audience profile (triggers then aim at them)."""

    read_action = "listening.read"
    write_action = "voice.write"

    @extend_schema(request=None, responses=s.SegmentActivitySerializer)
    def post(self, request: Request, pk: int) -> Response:
        tz = _tz(self.brand)
        segment_services.adopt_active_hours(audience_id=pk, tz=tz)
        activity = segments.segment_activity(
            audience_id=pk, tz=tz, now=timezone.now(), lead=trigger_services.LEAD_TIME
        )
        return Response(s.SegmentActivitySerializer(activity).data)


class SegmentRuleListView(BrandScopedMixin, APIView):
    """POST gives the audience profile a segment rule over the members its signals show (the
    ``member`` attribute): ``top_engagement`` (``percent``), ``active_hours`` (``from_hour``,
    ``to_hour``, brand-local) or ``mentions_topic`` (``topic``), each over ``days``. The
    segment's live size is in the audience's activity."""

    read_action = "listening.read"
    write_action = "voice.write"

    @extend_schema(request=s.SegmentRuleSerializer, responses={201: s.SegmentRuleSerializer})
    def post(self, request: Request, pk: int) -> Response:
        segments.audience(audience_id=pk)
        body = s.SegmentRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = segment_services.add_segment_rule(
            audience_id=pk, values=dict(body.validated_data), actor=_user(request)
        )
        return Response(s.SegmentRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class SegmentRuleDetailView(BrandScopedMixin, APIView):
    """DELETE takes the rule off the audience profile."""

    read_action = "listening.read"
    write_action = "voice.write"

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, rule_id: int) -> Response:
        segments.audience(audience_id=pk)
        segment_services.remove_segment_rule(audience_id=pk, rule_id=rule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TriggerListView(BrandScopedMixin, generics.ListAPIView):
    """The brand's triggers; POST defines one (disabled until ``enabled``: dry-run it first).
    A trigger that listens to Brandroom's own output (source ``brandroom``) is refused: its
    briefs would feed its own condition."""

    serializer_class = s.TriggerSerializer
    read_action = "listening.read"
    write_action = "triggers.manage"
    ordering_fields = ["created_at"]

    def get_queryset(self) -> Any:
        return trigger_selectors.triggers()

    @extend_schema(request=s.TriggerSerializer, responses={201: s.TriggerSerializer})
    def post(self, request: Request) -> Response:
        body = s.TriggerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        trigger = trigger_services.create_trigger(values=body.values(), created_by=_user(request))
        return Response(s.TriggerSerializer(trigger).data, status=status.HTTP_201_CREATED)


class TriggerDetailView(BrandScopedMixin, APIView):
    """One trigger; PATCH changes it (``enabled`` turns it on), DELETE removes it."""

    read_action = "listening.read"
    write_action = "triggers.manage"

    @extend_schema(responses=s.TriggerSerializer)
    def get(self, request: Request, pk: int) -> Response:
        trigger = trigger_selectors.get_trigger(trigger_id=pk)
        return Response(s.TriggerSerializer(trigger).data)

    @extend_schema(request=s.TriggerSerializer, responses=s.TriggerSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        trigger_selectors.get_trigger(trigger_id=pk)
        body = s.TriggerSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        trigger = trigger_services.update_trigger(trigger_id=pk, values=body.values())
        return Response(s.TriggerSerializer(trigger).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        trigger_services.delete_trigger(trigger_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DryRunView(BrandScopedMixin, APIView):
    """When a trigger defined in the body would have fired over the last 30 days (window and
    cool-down honoured); nothing is stored or created."""

    read_action = "listening.read"
    write_action = "triggers.manage"

    @extend_schema(
        request=s.TriggerSerializer,
        responses=s.DryRunSerializer,
        operation_id="brands_api_v1_listening_triggers_dry_run_unsaved",
    )
    def post(self, request: Request) -> Response:
        body = s.TriggerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        trigger = trigger_services.build_trigger(values=body.values())
        return Response(_dry_run(trigger))


class TriggerDryRunView(BrandScopedMixin, APIView):
    """When this trigger would have fired over the last 30 days; nothing is created."""

    read_action = "listening.read"
    write_action = "triggers.manage"

    @extend_schema(request=None, responses=s.DryRunSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return Response(_dry_run(trigger_selectors.get_trigger(trigger_id=pk)))


def _dry_run(trigger: Any) -> Any:
    fired = conditions.dry_run(trigger=trigger, now=timezone.now())
    body = {"days": trigger_selectors.DRY_RUN_DAYS, "would_fire": fired}
    return s.DryRunSerializer(body).data


class TriggerFiringListView(BrandScopedMixin, generics.ListAPIView):
    """When the trigger fired, what it saw (``inputs``) and what it did (the brief, the job)."""

    serializer_class = s.TriggerFiringSerializer
    read_action = "listening.read"
    ordering = "-fired_at"
    ordering_fields = ["fired_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no trigger
            return trigger_selectors.firings(trigger_id=0).none()
        trigger = trigger_selectors.get_trigger(trigger_id=int(self.kwargs["pk"]))
        return trigger_selectors.firings(trigger_id=trigger.pk)


class CrisisWarningListView(BrandScopedMixin, generics.ListAPIView):
    """Crisis warnings, newest first: a spike of negative mentions against the brand's hourly
    baseline over 28 days, with a suggested severity (1-5) and the evidence (count, z-score,
    sources, reach). The person on duty is emailed; one tap confirms or dismisses."""

    serializer_class = s.CrisisWarningSerializer
    read_action = "listening.read"
    ordering = "-raised_at"
    ordering_fields = ["raised_at"]

    def get_queryset(self) -> Any:
        return crisis_selectors.crisis_warnings()


def _actor_id(request: Request) -> int | None:
    user = _user(request)
    return user.pk if user is not None else None


class ConfirmWarningView(BrandScopedMixin, APIView):
    """Confirm the warning: an incident opens at the suggested (or the given) severity, owned
    by you, and at the policy's threshold the brand enters crisis mode. 409 once decided."""

    write_action = "incidents.manage"

    @extend_schema(request=s.ConfirmWarningSerializer, responses=s.CrisisWarningSerializer)
    def post(self, request: Request, pk: int) -> Response:
        crisis_selectors.get_warning(warning_id=pk)
        body = s.ConfirmWarningSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        warning = crisis_services.confirm_warning(
            warning_id=pk,
            severity=body.validated_data.get("severity"),
            actor_id=_actor_id(request),
        )
        return Response(s.CrisisWarningSerializer(warning).data)


class DismissWarningView(BrandScopedMixin, APIView):
    """Dismiss the warning: no incident; the same spike stays quiet for six hours."""

    write_action = "incidents.manage"

    @extend_schema(request=None, responses=s.CrisisWarningSerializer)
    def post(self, request: Request, pk: int) -> Response:
        crisis_selectors.get_warning(warning_id=pk)
        warning = crisis_services.dismiss_warning(warning_id=pk, actor_id=_actor_id(request))
        return Response(s.CrisisWarningSerializer(warning).data)


@extend_validation_errors(["invalid"], field_name="status", methods=["get"])
class TriggerAlertListView(BrandScopedMixin, generics.ListAPIView):
    """Alerts ``alert`` triggers raised, newest first (``status=open`` for those still in the
    cockpit of the person on duty)."""

    serializer_class = s.TriggerAlertSerializer
    read_action = "listening.read"
    ordering = "-raised_at"
    ordering_fields = ["raised_at"]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "acknowledged"], required=False)]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        status_ = self.request.query_params.get("status")
        if status_ is not None and status_ not in ("open", "acknowledged"):
            raise exceptions.ValidationError({"status": ["Use open or acknowledged."]})
        return alert_selectors.alerts(status=status_)


class TriggerAlertDetailView(BrandScopedMixin, APIView):
    """One alert: the trigger, the evidence (the firing's inputs), who was on duty."""

    read_action = "listening.read"

    @extend_schema(responses=s.TriggerAlertSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.TriggerAlertSerializer(alert_selectors.get_alert(alert_id=pk)).data)


class AcknowledgeAlertView(BrandScopedMixin, APIView):
    """Acknowledge the alert: it leaves the cockpit, and the acknowledgement is audited. A
    second acknowledgement is a 409 (nothing changes)."""

    write_action = "trigger_alerts.acknowledge"

    @extend_schema(request=None, responses=s.TriggerAlertSerializer)
    def post(self, request: Request, pk: int) -> Response:
        alert = alert_services.acknowledge_alert(alert_id=pk, actor_id=_actor_id(request))
        return Response(s.TriggerAlertSerializer(alert).data)
