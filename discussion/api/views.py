"""Internal notes API: thin, validate, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from discussion import selectors, services
from discussion.api import serializers as s
from discussion.models import Note
from tenants.permissions import BrandScopedMixin


@extend_validation_errors(["invalid", "min_value"], field_name="draft", methods=["get"])
@extend_validation_errors(["invalid", "min_value"], field_name="boost", methods=["get"])
class NoteViewSet(
    BrandScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Internal notes on a draft or a boost, for the agency team only (client people see the
    decision comments of approvals instead). '@username' in a note emails that member."""

    serializer_class = s.NoteSerializer
    read_action = "notes.read"
    write_action = "notes.write"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return selectors.notes()
        query = s.NoteQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        kind = "draft" if "draft" in query.validated_data else "boost"
        return selectors.notes_on(subject_kind=kind, subject_id=query.validated_data[kind])

    @extend_schema(parameters=[s.NoteQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.NoteCreateSerializer, responses={201: s.NoteAddedSerializer})
    def create(self, request: Request) -> Response:
        body = s.NoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kind = "draft" if "draft" in body.validated_data else "boost"
        added = services.add_note(
            subject_kind=kind,
            subject_id=body.validated_data[kind],
            body=body.validated_data["body"],
            actor=request.user,
        )
        data = s.NoteSerializer(added.note).data | {"not_notified": added.not_notified}
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        note = get_object_or_404(Note, pk=kwargs["pk"])
        services.delete_note(
            note=note, actor=request.user, actor_role=getattr(request._request, "brand_role", None)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
