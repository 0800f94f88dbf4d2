"""Brand API for content; thin: validate, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from brandroom.http.query import RefuseUnknownParameters, documents_unknown_parameters
from content import selectors, services
from content.api import serializers as s
from content.api.filters import DraftFilter, InboxItemFilter, JobFilter
from content.assistant import usage
from content.assistant.providers import resolve_config
from content.errors import ContentError
from content.models import AudienceProfile, Brief, Channel, Draft, GenerationJob
from content.services import jobs
from tenants.models import User
from tenants.permissions import BrandScopedMixin


def _user(request: Request) -> Any:
    """The person acting, or None for an integrator's API key."""
    user = request.user
    return user if getattr(user, "is_authenticated", False) and user.pk else None


def _author(request: Request) -> dict[str, Any]:
    """Who wrote it: the person, or for an integrator's API key the key and the person who
    created the key (so nobody approves what their own key wrote)."""
    key = getattr(request.user, "key", None)
    if key is not None:
        return {"created_by": key.created_by, "created_by_key_id": key.pk}
    return {"created_by": _user(request)}


class ChannelViewSet(BrandScopedMixin, viewsets.ModelViewSet):
    """The brand's accounts on social networks and each one's posting rules."""

    serializer_class = s.ChannelSerializer
    read_action = "content.read"
    write_action = "voice.write"
    filterset_fields = ["network"]
    ordering_fields = ["created_at", "handle"]

    def get_queryset(self) -> Any:
        return selectors.channels()

    def perform_create(self, serializer: BaseSerializer[Channel]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.create_channel(**data)

    def perform_update(self, serializer: BaseSerializer[Channel]) -> None:
        changes = {k: v for k, v in serializer.validated_data.items() if v is not None}
        serializer.instance = services.update_channel(channel=serializer.instance, **changes)

    def perform_destroy(self, instance: Channel) -> None:
        services.delete_channel(channel=instance)


class VoiceView(BrandScopedMixin, APIView):
    """The brand voice new drafts are written with. Saving one records a new version; fields
    left out carry over from the current version."""

    read_action = "content.read"
    write_action = "voice.write"

    @extend_schema(responses=s.VoiceSerializer)
    def get(self, request: Request) -> Response:
        voice = selectors.current_voice()
        if voice is None:
            raise ContentError(
                "The brand has no voice yet; POST one to create version 1.",
                status_code=404,
                code="not_found",
            )
        return Response(s.VoiceSerializer(voice).data)

    @extend_schema(request=s.VoiceSerializer, responses={201: s.VoiceSerializer})
    def post(self, request: Request) -> Response:
        serializer = s.VoiceSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        voice = services.create_voice_version(
            created_by=_user(request), **serializer.validated_data
        )
        return Response(s.VoiceSerializer(voice).data, status=status.HTTP_201_CREATED)


class VoiceVersionViewSet(BrandScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Every version of the brand voice; drafts name the one they were written with."""

    serializer_class = s.VoiceSerializer
    read_action = "content.read"
    lookup_field = "version"

    def get_queryset(self) -> Any:
        return selectors.voice_versions()


class AudienceViewSet(BrandScopedMixin, viewsets.ModelViewSet):
    """Audience profiles: the segments the brand writes for."""

    serializer_class = s.AudienceSerializer
    read_action = "content.read"
    write_action = "voice.write"
    ordering_fields = ["created_at", "name"]

    def get_queryset(self) -> Any:
        return selectors.audiences()

    def perform_create(self, serializer: BaseSerializer[AudienceProfile]) -> None:
        serializer.instance = services.create_audience(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[AudienceProfile]) -> None:
        serializer.instance = services.update_audience(
            audience=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: AudienceProfile) -> None:
        services.delete_audience(audience=instance)


class BriefViewSet(BrandScopedMixin, viewsets.ModelViewSet):
    """Briefs, and asking the assistant for drafts from one (202 with a job)."""

    serializer_class = s.BriefSerializer
    read_action = "content.read"
    write_action = "content.write"
    actions_required = {"generate": "content.generate", "generate_all": "content.generate"}
    filterset_fields = ["audience", "campaign"]
    ordering_fields = ["created_at", "deadline"]

    def get_queryset(self) -> Any:
        return selectors.briefs()

    def perform_create(self, serializer: BaseSerializer[Brief]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.create_brief(created_by=_user(self.request), **data)

    def perform_update(self, serializer: BaseSerializer[Brief]) -> None:
        serializer.instance = services.update_brief(
            brief=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Brief) -> None:
        services.delete_brief(brief=instance)

    @extend_schema(request=s.GenerateSerializer, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def generate(self, request: Request, pk: str | None = None) -> Response:
        """Ask for post drafts for this brief; the job runs on the worker."""
        brief = self.get_object()
        body = s.GenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = jobs.request_post_drafts(
            brief=brief, created_by=_author(request)["created_by"], **body.validated_data
        )
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.GenerateAllSerializer, responses={202: s.JobsSerializer})
    @action(detail=True, methods=["post"], url_path="generate-all")
    def generate_all(self, request: Request, pk: str | None = None) -> Response:
        """Ask for post drafts on every channel of the brief (or the ``channels`` named) in one
        call: one job per channel, all accepted or none (the budget must hold them all)."""
        brief = self.get_object()
        body = s.GenerateAllSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = jobs.request_post_drafts_for_channels(
            brief=brief, created_by=_author(request)["created_by"], **body.validated_data
        )
        return Response(
            {"jobs": s.JobSerializer(created, many=True).data}, status=status.HTTP_202_ACCEPTED
        )


@documents_unknown_parameters
class InboxItemViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Incoming comments, mentions and messages, and asking for replies (202 with a job)."""

    serializer_class = s.InboxItemSerializer
    read_action = "content.read"
    write_action = "content.write"
    actions_required = {
        "create": "inbox.ingest",
        "reply": "content.generate",
        "assign": "content.write",
        "move": "content.write",
    }
    filterset_class = InboxItemFilter
    filter_backends = [RefuseUnknownParameters, DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at", "received_at", "reply_due_at", "priority_score"]

    def get_queryset(self) -> Any:
        return selectors.inbox_items()

    @extend_schema(request=s.InboxItemSerializer, responses={201: s.InboxIngestedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Push in a comment, mention or message; when the brand's assistant settings say
        ``auto_draft_replies`` (the default), a reply job starts at once (``reply_job``)."""
        body = s.InboxItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item, job = jobs.ingest_inbox_item(**body.validated_data)
        item.reply_job = job
        return Response(s.InboxIngestedSerializer(item).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Any) -> None:
        services.delete_inbox_item(item=instance)

    @extend_schema(request=s.InboxAssignSerializer, responses={200: s.InboxItemSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the item to a member of the brand who may answer it (400 naming ``assignee``
        for anyone else; 409 once it is replied or ignored)."""
        item = self.get_object()
        body = s.InboxAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignee = User.objects.filter(pk=body.validated_data["assignee"], is_active=True).first()
        if assignee is None:
            raise ContentError("There is no such person.", field="assignee")
        item = services.assign_inbox_item(item_id=item.pk, assignee=assignee)
        return Response(s.InboxItemSerializer(item).data)

    @extend_schema(request=s.InboxMoveSerializer, responses={200: s.InboxItemSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Mark the item replied, ignore it, escalate it or reopen it (409 when its status
        does not allow the move)."""
        item = self.get_object()
        body = s.InboxMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.move_inbox_item(
            item_id=item.pk, transition=body.validated_data["transition"]
        )
        return Response(s.InboxItemSerializer(item).data)

    @extend_schema(request=s.ReplySerializer, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        """Ask for reply drafts to this item; the job runs on the worker."""
        item = self.get_object()
        body = s.ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = jobs.request_replies(
            inbox_item=item, created_by=_author(request)["created_by"], **body.validated_data
        )
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class DraftViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Drafts with their checks, risk and provenance. Hand edits make a new version."""

    serializer_class = s.DraftSerializer
    read_action = "content.read"
    write_action = "content.write"
    actions_required = {
        "regenerate": "content.generate",
        "published": "content.write",
        "schedule": "content.write",
    }
    filterset_class = DraftFilter
    ordering_fields = ["created_at", "updated_at", "risk_score", "publish_at"]

    def get_queryset(self) -> Any:
        if self.action == "list":
            # Plain rows, no channel join: the list shows only ids (bench/ "Drafts list").
            return selectors.draft_rows()
        return selectors.drafts()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # DraftSerializer's shape written out for each row (s.listed_draft); the schema still
        # documents DraftSerializer, and a test holds the two equal.
        listed = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(listed)
        zone = timezone.get_current_timezone()
        if rows is None:
            return Response([s.listed_draft(row, zone=zone) for row in listed])
        return self.get_paginated_response([s.listed_draft(row, zone=zone) for row in rows])

    def filter_queryset(self, queryset: Any) -> Any:
        # django-filter builds a form on every request, even when no filter is asked for and
        # it changes nothing: the plain list skips it (as the plan's items do).
        asked = not set(self.request.query_params).isdisjoint(DraftFilter.base_filters)
        for backend in self.filter_backends:
            if asked or backend is not DjangoFilterBackend:
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    @extend_schema(request=s.DraftWriteSerializer, responses={201: s.DraftSerializer})
    def create(self, request: Request) -> Response:
        """Write a draft by hand; it is checked and scored like a generated one."""
        body = s.DraftWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        draft = services.write_draft(**_author(request), **body.validated_data)
        return Response(s.DraftSerializer(draft).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Draft) -> None:
        services.delete_draft(draft_id=instance.pk)

    @extend_schema(request=s.DraftEditSerializer, responses={201: s.DraftSerializer})
    @action(detail=True, methods=["post"])
    def edit(self, request: Request, pk: str | None = None) -> Response:
        """Edit the text by hand: creates the next version, checked again."""
        draft = self.get_object()
        body = s.DraftEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revision = services.revise_draft(
            draft_id=draft.pk, text=body.validated_data["text"], **_author(request)
        )
        return Response(s.DraftSerializer(revision).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.DraftSerializer(many=True))
    # A draft's versions are few and come whole, not in pages (the schema must say so too).
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Every version of this draft, oldest first."""
        history = selectors.draft_history(draft=self.get_object())
        return Response(s.DraftSerializer(history, many=True).data)

    @extend_schema(request=s.RegenerateSerializer, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk: str | None = None) -> Response:
        """Ask the assistant for the next version of this draft (202 with a job)."""
        draft = self.get_object()
        body = s.RegenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = jobs.request_regeneration(
            draft=draft, created_by=_user(request), **body.validated_data
        )
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.ScheduleSerializer, responses={200: s.DraftSerializer})
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        """Set when this post should go out; an approved draft with a publish time is
        scheduled (``?status=scheduled``) and announced as draft.due when the time comes."""
        draft = self.get_object()
        body = s.ScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheduled = services.schedule_draft(
            draft_id=draft.pk, publish_at=body.validated_data["publish_at"]
        )
        return Response(s.DraftSerializer(scheduled).data)

    @extend_schema(request=s.PublishedSerializer, responses={200: s.DraftSerializer})
    @action(detail=True, methods=["post"])
    def published(self, request: Request, pk: str | None = None) -> Response:
        """Record that this approved draft went out (publishing happens in the integrator's
        tool). Repeating it with the same external id is harmless; a draft that is not
        approved (including one held in review by a crisis) gets 409 and stays as it was."""
        draft = self.get_object()
        body = s.PublishedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        published, _changed = services.mark_draft_published(
            draft_id=draft.pk,
            external_id=body.validated_data["external_id"],
            url=body.validated_data["url"],
            published_at=body.validated_data["published_at"],
        )
        return Response(s.DraftSerializer(published).data)


class JobViewSet(BrandScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Generation jobs: queued, running, succeeded (with drafts) or failed (with the reason)."""

    serializer_class = s.JobSerializer
    read_action = "content.read"
    actions_required = {"retry": "content.generate"}
    filterset_class = JobFilter
    ordering_fields = ["created_at"]

    def get_queryset(self) -> Any:
        return selectors.jobs()

    @extend_schema(request=None, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Run a failed job again from its kept inputs, or send again a queued or running job
        whose message was lost (409 for a job that is fine or finished)."""
        job: GenerationJob = self.get_object()
        job = jobs.retry_job(job=job)
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class AssistantSettingsView(BrandScopedMixin, APIView):
    """The brand's AI endpoint overrides, monthly budget and novelty threshold."""

    read_action = "usage.read"
    write_action = "assistant.configure"

    @extend_schema(responses=s.AssistantSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.AssistantSettingsSerializer(jobs.assistant_settings()).data)

    @extend_schema(request=s.AssistantSettingsSerializer, responses=s.AssistantSettingsSerializer)
    def patch(self, request: Request) -> Response:
        body = s.AssistantSettingsSerializer(
            jobs.assistant_settings(), data=request.data, partial=True
        )
        body.is_valid(raise_exception=True)
        row = services.update_assistant_settings(**body.validated_data)
        return Response(s.AssistantSettingsSerializer(row).data)


class UsageView(BrandScopedMixin, APIView):
    """This month's AI tokens and estimated cost against the brand's budget."""

    read_action = "usage.read"

    @extend_schema(responses=s.UsageSerializer)
    def get(self, request: Request) -> Response:
        row = jobs.assistant_settings()
        month = usage.month_usage(brand_settings=row, now=timezone.now())
        body = {
            "month": month.month,
            "jobs": month.jobs,
            "tokens_in": month.tokens_in,
            "tokens_out": month.tokens_out,
            "cost": month.cost,
            "held": month.held,
            "budget": month.budget,
            "remaining": month.remaining,
            "mode": "offline" if resolve_config(row).offline else "openai",
        }
        return Response(s.UsageSerializer(body).data)
