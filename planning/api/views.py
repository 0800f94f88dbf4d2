"""Brand API for the rolling plan; thin: validate, call a service or selector, render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom.datetimes import parse_query_day
from brandroom.pagination import KeysetCursorPagination
from planning import horizon
from planning.api import serializers as s
from planning.api.filters import PlanItemFilter
from planning.errors import NotFound
from planning.selectors import gaps, plan
from planning.services import cadence as cadence_services
from planning.services import campaigns as campaign_services
from planning.services import items as item_services
from planning.services import learnings as learning_services
from planning.services import packs as pack_services
from planning.services import pillars as pillar_services
from planning.services import proposals as proposal_services
from planning.services import reviews as review_services
from planning.services.distribution import PlannedAction
from planning.services.lock import update_plan_settings
from results.periods import next_period
from tenants.models import User
from tenants.permissions import BrandScopedMixin


class ByName(KeysetCursorPagination):
    ordering = "name"


class ByStart(KeysetCursorPagination):
    ordering = "starts_on"


class ByDay(KeysetCursorPagination):
    ordering = "planned_on"


class ByChannel(KeysetCursorPagination):
    ordering = "channel_id"


def _user_id(request: Request) -> int | None:
    """The acting person (for an API key, the person who created it)."""
    key = getattr(request.user, "key", None)
    if key is not None:
        return key.created_by_id  # type: ignore[no-any-return]
    user = request.user
    return user.pk if getattr(user, "is_authenticated", False) else None


def _actions(rows: list[dict[str, Any]]) -> list[PlannedAction]:
    return [
        PlannedAction(
            kind=row["kind"],
            amount=row.get("amount"),
            channel_id=row.get("channel_id"),
            note=row.get("note", ""),
        )
        for row in rows
    ]


def _today(brand: Any) -> date:
    return horizon.local_today(now=timezone.now(), tz_name=brand.timezone)


class _PlanViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    read_action = "plan.read"
    write_action = "plan.manage"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _pk(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise NotFound("Not found.") from None

    def _body(self, serializer: type[Any]) -> dict[str, Any]:
        body = serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)


class PillarViewSet(_PlanViewSet):
    """Content pillars: the themes the brand's posts return to, each with a target share of
    posts (together at most 100 %). Changes to pillars are in the brand's audit trail."""

    serializer_class = s.PillarSerializer
    pagination_class = ByName

    def get_queryset(self) -> Any:
        return plan.pillars()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.PillarSerializer)
        pillar = pillar_services.create_pillar(**data)
        return Response(s.PillarSerializer(pillar).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PillarChangeSerializer, responses=s.PillarSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.PillarChangeSerializer)
        pillar = pillar_services.update_pillar(pillar_id=self._pk(), **data)
        return Response(s.PillarSerializer(pillar).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pillar_services.delete_pillar(pillar_id=self._pk())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CadenceViewSet(_PlanViewSet):
    """How many posts a week each channel should get and what the channel is for
    (marketing, customer service, loyalty); one per channel."""

    serializer_class = s.CadenceSerializer
    pagination_class = ByChannel

    def get_queryset(self) -> Any:
        return plan.cadences()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.CadenceSerializer)
        row = cadence_services.create_cadence(
            channel_id=data["channel_id"],
            posts_per_week=data["posts_per_week"],
            purpose=data["purpose"],
        )
        return Response(s.CadenceSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CadenceChangeSerializer, responses=s.CadenceSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.CadenceChangeSerializer)
        row = cadence_services.update_cadence(cadence_id=self._pk(), **data)
        return Response(s.CadenceSerializer(row).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cadence_services.delete_cadence(cadence_id=self._pk())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignViewSet(_PlanViewSet):
    """Campaigns and calendar events (launches, holidays, peak periods) over ranges of days,
    optionally tied to a pillar."""

    serializer_class = s.CampaignSerializer
    pagination_class = ByStart
    filterset_fields = ["kind", "pillar"]

    def get_queryset(self) -> Any:
        return plan.campaigns()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.CampaignSerializer)
        campaign = campaign_services.create_campaign(**data)
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CampaignChangeSerializer, responses=s.CampaignSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.CampaignChangeSerializer)
        if "pillar" in data:
            data["pillar_id"] = data.pop("pillar")
        campaign = campaign_services.update_campaign(campaign_id=self._pk(), **data)
        return Response(s.CampaignSerializer(campaign).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        campaign_services.delete_campaign(campaign_id=self._pk())
        return Response(status=status.HTTP_204_NO_CONTENT)


ITEM_RANGE = [
    OpenApiParameter("from", date, required=False, description="First brand-local day."),
    OpenApiParameter("to", date, required=False, description="Last brand-local day (included)."),
]


@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
class PlanItemViewSet(_PlanViewSet):
    """Plan items: what will be posted, on which channel and day (or week), for which pillar
    and campaign, and by whom. Listed by day; ``from``/``to`` narrow the range. Status moves
    through ``status/``; items of a closed (past) month no longer change (409)."""

    serializer_class = s.PlanItemSerializer
    pagination_class = ByDay
    write_action = "plan.write"
    filterset_class = PlanItemFilter

    def get_queryset(self) -> Any:
        if self.action != "list":
            return plan.items()
        start = parse_query_day(self.request.query_params.get("from"), field="from")
        end = parse_query_day(self.request.query_params.get("to"), field="to")
        # Plain rows with their actions in one statement: a page of model instances with
        # prefetched actions cost more than the rest of the request (bench/ "Plan for a month").
        return plan.item_rows(start=start, end=end)

    @extend_schema(parameters=ITEM_RANGE)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset: Any) -> Any:
        # django-filter builds a form class on every request, even with no filter asked for,
        # when it changes nothing: the month's plan (from/to only) skips it.
        asked = not set(self.request.query_params).isdisjoint(PlanItemFilter.base_filters)
        for backend in self.filter_backends:
            if asked or backend is not DjangoFilterBackend:
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        # Once per request: every item's production steps count from these.
        return {**context, "lead": plan.lead_days(), "today": _today(self.brand)}

    def _item(self, item: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            s.PlanItemSerializer(item, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.PlanItemSerializer)
        item = item_services.create_item(
            brand=self.brand,
            title=data["title"],
            planned_on=data["planned_on"],
            whole_week=data["whole_week"],
            publish_time=data.get("publish_time"),
            channel_id=data["channel_id"],
            pillar_id=data["pillar_id"],
            campaign_id=data.get("campaign_id"),
            owner_id=data.get("owner_id"),
            audience_id=data.get("audience_id"),
            distribution_actions=_actions(data.get("distribution", [])),
            notes=data.get("notes", ""),
            created_by_id=_user_id(request),
        )
        return self._item(item, status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanItemChangeSerializer, responses=s.PlanItemSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(s.PlanItemChangeSerializer)
        for name in ("channel", "pillar", "campaign", "owner", "audience"):
            if name in data:
                data[f"{name}_id"] = data.pop(name)
        if "distribution" in data:
            data["distribution_actions"] = _actions(data.pop("distribution"))
        item = item_services.update_item(brand=self.brand, item_id=self._pk(), **data)
        return self._item(item)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item_services.delete_item(brand=self.brand, item_id=self._pk())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.StartItemSerializer, responses=s.StartedItemSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """Start a planned item: its brief is written, prefilled from the item (title, notes,
        channel, pillar, campaign and goal, publish time as deadline), and the item becomes
        briefed; with ``request_drafts`` a post draft is asked for too (``generation_job``).
        When a draft of that brief is published, the item becomes published. A 409 unless the
        item is planned."""
        data = self._body(s.StartItemSerializer)
        started = item_services.start_item(
            brand=self.brand,
            item_id=self._pk(),
            created_by=request.user if isinstance(request.user, User) else None,
            request_drafts=data["request_drafts"],
        )
        body = dict(s.PlanItemSerializer(started.item, context=self.get_serializer_context()).data)
        return Response({**body, "generation_job": started.job_id})

    @extend_schema(request=s.ItemStatusSerializer, responses=s.PlanItemSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def move(self, request: Request, pk: str) -> Response:
        """Move the item along its status table; a move the table does not allow is a 409
        naming the statuses it can take."""
        data = self._body(s.ItemStatusSerializer)
        item = item_services.move_item(brand=self.brand, item_id=self._pk(), status=data["status"])
        return self._item(item)


class ByProposedDay(KeysetCursorPagination):
    ordering = "planned_on"


@extend_validation_errors(["invalid"], field_name="status", methods=["get"])
class ProposalViewSet(
    BrandScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The assistant's plan proposals: items it proposes for a range of days from the plan's
    cadence, pillar targets, campaigns and calendar events and what performed best. A
    proposal is not on the plan until someone accepts it (it then becomes a plan item, with an
    audit entry); rejecting keeps it, with the reason. Deciding twice is a 409."""

    serializer_class = s.PlanProposalSerializer
    pagination_class = ByProposedDay
    read_action = "plan.read"
    write_action = "plan.manage"
    filterset_fields = ["status", "channel", "pillar"]

    def get_queryset(self) -> Any:
        return plan.proposals()

    def _pk(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise NotFound("Not found.") from None

    @extend_schema(
        request=s.ProposalRequestSerializer, responses={201: s.PlanProposalSerializer(many=True)}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Propose items for ``start``..``end`` (at most 92 days, from today on): what each
        channel's cadence still needs, with the pillar furthest below its target, the campaign
        or event running that day, the hour the channel's best recent posts went out and an
        audience that prefers the channel. Made at once by the offline planner; with the
        openai provider a model words the titles and rationales in the brand's voice (the AI
        budget applies as for drafts: 402 when spent, nothing stored; a provider that is down
        leaves the offline wording, labelled)."""
        body = s.ProposalRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        made = proposal_services.propose_items(
            brand=self.brand,
            start=data["start"],
            end=data["end"],
            channel_ids=data.get("channels"),
            pillar_ids=data.get("pillars"),
            created_by_id=_user_id(request),
        )
        return Response(
            s.PlanProposalSerializer(made, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.AcceptProposalSerializer, responses=s.PlanProposalSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Put the proposal on the plan as a plan item, with the edits given (checked like a
        new item: a 400 names the field and the proposal stays proposed). A flagged proposal
        needs a ``title`` of your own. A decided proposal is a 409."""
        body = s.AcceptProposalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        for name in ("channel", "pillar", "campaign", "owner", "audience"):
            if name in data:
                data[f"{name}_id"] = data.pop(name)
        accepted = proposal_services.accept_proposal(
            brand=self.brand, proposal_id=self._pk(), actor_id=_user_id(request), **data
        )
        return Response(s.PlanProposalSerializer(accepted).data)

    @extend_schema(request=s.RejectProposalSerializer, responses=s.PlanProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """Turn the proposal down, with an optional ``reason``; a decided one is a 409."""
        body = s.RejectProposalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rejected = proposal_services.reject_proposal(
            proposal_id=self._pk(),
            actor_id=_user_id(request),
            reason=body.validated_data["reason"],
        )
        return Response(s.PlanProposalSerializer(rejected).data)


class ReviewPagination(KeysetCursorPagination):
    ordering = "-period_start"


class ReviewViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Plan–do–check–act reviews of a week, month or quarter: findings (what worked, what did
    not, with evidence) and actions (owner, due day, the change). Applying an action changes
    the plan through its own rules and is in the audit trail; a closed review is frozen (409).
    Each review shows the period's plan delivery (planned, published, dropped)."""

    serializer_class = s.ReviewSerializer
    pagination_class = ReviewPagination
    read_action = "plan.read"
    write_action = "plan.manage"
    filterset_fields = ["period", "status"]

    def get_queryset(self) -> Any:
        return plan.reviews()

    def _pk(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise NotFound("Not found.") from None

    def _detail(self, review_id: int, code: int = status.HTTP_200_OK) -> Response:
        review = plan.reviews().filter(pk=review_id).first()
        if review is None:
            raise NotFound(f"There is no review {review_id}.")
        body = dict(s.ReviewSerializer(review).data)
        end = next_period(review.period_start, review.period)
        delivery = plan.plan_delivery(start=review.period_start, end=end)
        body["delivery"] = s.PlanDeliverySerializer(delivery).data
        body["pack"] = review.pack
        return Response(body, status=code)

    @extend_schema(responses=s.ReviewDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._pk())

    @extend_schema(request=s.ReviewSerializer, responses={201: s.ReviewDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = review_services.open_review(
            period=body.validated_data["period"],
            period_start=body.validated_data["period_start"],
            created_by_id=_user_id(request),
        )
        return self._detail(review.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.FindingSerializer, responses={201: s.FindingSerializer})
    @action(detail=True, methods=["post"], url_path="findings")
    def add_finding(self, request: Request, pk: str) -> Response:
        """Record a finding; a closed review answers 409."""
        body = s.FindingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = review_services.add_finding(
            review_id=self._pk(), created_by_id=_user_id(request), **body.validated_data
        )
        return Response(s.FindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReviewActionSerializer, responses={201: s.ReviewActionSerializer})
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request: Request, pk: str) -> Response:
        """Decide an action; what it names must exist. A closed review answers 409."""
        body = s.ReviewActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        made = review_services.add_action(
            brand=self.brand,
            review_id=self._pk(),
            title=data["title"],
            kind=data["kind"],
            due_on=data["due_on"],
            owner_id=data.get("owner_id"),
            pillar_id=data.get("pillar_id"),
            target_share=data.get("target_share"),
            plan_item_id=data.get("plan_item_id"),
            item_status=data.get("item_status") or "",
            planned_on=data.get("planned_on"),
        )
        return Response(s.ReviewActionSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=s.ReviewActionSerializer,
        parameters=[OpenApiParameter("action_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_id>\d+)/apply")
    def apply(self, request: Request, pk: str, action_id: str) -> Response:
        """Apply the action: the change it names is made with the plan's own rules (a pillar
        target that would pass 100 % is a 400, and the action stays open) and recorded in the
        audit trail. Applying again is a 409."""
        review_id = self._pk()
        if not plan.reviews().filter(pk=review_id, actions__pk=int(action_id)).exists():
            raise NotFound(f"Review {review_id} has no action {action_id}.")
        applied = review_services.apply_action(
            brand=self.brand,
            action_id=int(action_id),
            actor=request.user if isinstance(request.user, User) else None,
        )
        return Response(s.ReviewActionSerializer(applied).data)

    @extend_schema(request=None, responses={202: s.ReviewDetailSerializer})
    @action(detail=True, methods=["post"])
    def rebuild(self, request: Request, pk: str) -> Response:
        """Assemble the review pack again on the worker (``pack_state`` goes back to queued;
        ``review.ready`` is sent when it is built). A closed review is frozen: 409."""
        review = pack_services.request_pack(review_id=self._pk())
        return self._detail(review.pk, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=s.ReviewDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close the review; it is frozen from then on (closing again is a 409)."""
        review_services.close_review(review_id=self._pk())
        return self._detail(self._pk())


class LearningViewSet(
    BrandScopedMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """What the brand has learned: findings marked ``learning``, newest first (at most 20).
    The assistant reads them, quoted as data, when it writes the brand's next drafts.
    Deleting one takes it out of the assistant's context; the finding stays on its review."""

    serializer_class = s.LearningSerializer
    pagination_class = None
    read_action = "plan.read"
    write_action = "plan.manage"

    def get_queryset(self) -> Any:
        return plan.learnings()

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            finding_id = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise NotFound("Not found.") from None
        learning_services.remove_learning(finding_id=finding_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanSettingsView(BrandScopedMixin, APIView):
    """The plan's settings: how many items one owner can carry in a week, and the production
    lead times (days before an item's publish day its brief, draft and sign-off are due; brief
    ≥ draft ≥ sign-off) its items' ``production_steps`` count from. PATCH changes the ones
    given."""

    read_action = "plan.read"
    write_action = "plan.manage"

    @extend_schema(responses=s.PlanSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.PlanSettingsSerializer(plan.plan_settings()).data)

    @extend_schema(request=s.PlanSettingsSerializer, responses=s.PlanSettingsSerializer)
    def patch(self, request: Request) -> Response:
        body = s.PlanSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        row = update_plan_settings(**body.validated_data)
        return Response(s.PlanSettingsSerializer(row).data)


class PlanMonthsView(BrandScopedMixin, APIView):
    """The months the plan covers (the monthly roll keeps twelve ahead): an open month with its
    items as they stand and the posts its cadence asks for, a closed month with what became of
    its items when it closed."""

    read_action = "plan.read"

    @extend_schema(responses=s.PlanMonthSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = plan.plan_months(today=_today(self.brand))
        return Response(s.PlanMonthSerializer(rows, many=True).data)


# Longest range the gaps view answers: twelve months ahead and a bit.
MAX_GAP_DAYS = 400
DEFAULT_GAP_DAYS = 14


@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
class PlanGapsView(BrandScopedMixin, APIView):
    """Where the plan falls short, over whole weeks (Monday to Sunday) from ``from`` (default
    today) to ``to`` (default two weeks on; at most about 13 months): per channel, the weeks
    with fewer items than its cadence and how many are missing; per pillar, its share of the
    planned items against its target, the drift in percentage points and how many items would
    bring it on target; per campaign or calendar event overlapping the range, whether any item
    covers it; and owners with more items in a week than the plan's capacity (``settings/``).
    Dropped items do not count."""

    read_action = "plan.read"

    @extend_schema(parameters=ITEM_RANGE, responses=s.GapsSerializer)
    def get(self, request: Request) -> Response:
        start = parse_query_day(request.query_params.get("from"), field="from") or _today(
            self.brand
        )
        end = parse_query_day(request.query_params.get("to"), field="to") or start + timedelta(
            days=DEFAULT_GAP_DAYS - 1
        )
        if end < start:
            raise exceptions.ValidationError({"to": ["The range ends before it starts."]})
        if (end - start).days >= MAX_GAP_DAYS:
            raise exceptions.ValidationError(
                {"to": [f"Ask for at most {MAX_GAP_DAYS} days (the plan's twelve months)."]}
            )
        return Response(s.GapsSerializer(gaps.plan_gaps(start=start, end=end)).data)
