"""Brand API for the assistant's alt-text suggestions; thin: validate, call a service, render.

Asking answers 202 with the suggestions being written on the worker (as drafts are); poll one
at ``.../alt-text-suggestions/<id>/`` or the draft's list until it is ``ready``, then accept it
(or an edit of it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from assets import alt_text, alt_text_suggestions, selectors
from assets.api.serializers import DraftAssetsSerializer
from assets.api.views import _author
from assets.models import AltTextSuggestion
from content.api.serializers import ViolationSerializer
from tenants.permissions import BrandScopedMixin


class AltTextSuggestionSerializer(serializers.ModelSerializer):
    flags = ViolationSerializer(
        many=True,
        help_text="What the checks found in the model's own answer (replaced by the "
        "metadata-only wording), or in a brief that tried to instruct the assistant.",
    )
    labels = serializers.ListField(
        child=serializers.CharField(),
        help_text="offline_generated, replaced_unsafe_output, brief_not_sent, injection_attempt.",
    )

    class Meta:
        model = AltTextSuggestion
        fields = [
            "id",
            "draft",
            "asset",
            "status",
            "text",
            "flags",
            "labels",
            "provider",
            "model",
            "attempts",
            "failure_code",
            "failure_reason",
            "accepted_text",
            "accepted_edited",
            "accepted_by",
            "accepted_at",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class AltTextSuggestionsSerializer(serializers.Serializer):
    suggestions = AltTextSuggestionSerializer(many=True)


class AskSerializer(serializers.Serializer):
    asset = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The asset on the draft to suggest alt text for; leave out for every image "
        "on the draft without alt text.",
    )


class AcceptSerializer(serializers.Serializer):
    alt_text = serializers.CharField(
        required=False,
        max_length=alt_text.MAX_ALT_TEXT_CHARS,
        help_text="A person's edit of the suggestion (plain text); leave out to accept it as "
        "it is.",
    )


class AcceptedSerializer(DraftAssetsSerializer):
    suggestion = AltTextSuggestionSerializer()


@extend_validation_errors(["invalid"], field_name="asset", methods=["post"])
class DraftAltTextSuggestionsView(BrandScopedMixin, GenericAPIView):  # type: ignore[type-arg]
    """The assistant's newest alt-text suggestion for each image on a draft (GET), or ask for
    suggestions (POST, 202): for one ``asset`` on the draft, or for every image without alt
    text. Written from the draft's brief, the brand's voice and the asset's metadata (no
    vision model), on the worker like drafts; 402 ``ai_budget_exceeded`` when the brand's AI
    budget cannot hold them. A suggestion is never applied by itself: accept it."""

    read_action = "content.read"
    write_action = "content.write"
    serializer_class = AltTextSuggestionsSerializer
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        rows = alt_text_suggestions.suggestions_for_draft(draft_id=pk)
        return Response(AltTextSuggestionsSerializer({"suggestions": rows}).data)

    @extend_schema(request=AskSerializer, responses={202: AltTextSuggestionsSerializer})
    def post(self, request: Request, pk: int) -> Response:
        body = AskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        author = _author(request)
        rows = alt_text_suggestions.request_alt_text_suggestions(
            draft_id=pk,
            asset_id=body.validated_data.get("asset"),
            created_by=author["created_by"],
            created_by_key_id=author.get("created_by_key_id"),
        )
        return Response(
            AltTextSuggestionsSerializer({"suggestions": rows}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class AltTextSuggestionDetailView(BrandScopedMixin, GenericAPIView):  # type: ignore[type-arg]
    """One alt-text suggestion: poll it until ``ready`` (or ``failed``, with why)."""

    read_action = "content.read"
    write_action = "content.write"
    serializer_class = AltTextSuggestionSerializer

    def get(self, request: Request, pk: int) -> Response:
        row = alt_text_suggestions.suggestion_by_id(suggestion_id=pk)
        return Response(AltTextSuggestionSerializer(row).data)


@extend_validation_errors(["invalid"], field_name="alt_text", methods=["post"])
class AcceptAltTextSuggestionView(BrandScopedMixin, GenericAPIView):  # type: ignore[type-arg]
    """Make a ready suggestion (or ``alt_text``, your edit of it) the image's alt text on its
    draft, as a PUT of the draft's images would (audited): 200 in place while the draft is
    being written, 201 with the new version (``draft``) once it went to review. 409 for a
    suggestion that is not ready or already accepted."""

    read_action = "content.read"
    write_action = "content.write"
    serializer_class = AcceptedSerializer
    pagination_class = None

    @extend_schema(
        request=AcceptSerializer, responses={200: AcceptedSerializer, 201: AcceptedSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        author = _author(request)
        row, change = alt_text_suggestions.accept_alt_text_suggestion(
            suggestion_id=pk,
            alt_text_edit=body.validated_data.get("alt_text"),
            actor=author["created_by"],
            actor_key_id=author.get("created_by_key_id"),
        )
        links = selectors.draft_assets(draft_id=change.draft_id)
        answer: dict[str, Any] = {
            "draft": change.draft_id,
            "assets": links,
            "warnings": selectors.media_warnings(draft_id=change.draft_id, links=links),
            "suggestion": row,
        }
        suggestions = {
            s.asset_id: s
            for s in alt_text_suggestions.suggestions_for_draft(draft_id=change.draft_id)
        }
        return Response(
            AcceptedSerializer(
                answer, context={"request": request, "suggestions": suggestions}
            ).data,
            status=status.HTTP_201_CREATED if change.revised else status.HTTP_200_OK,
        )
