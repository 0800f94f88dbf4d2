"""Brand API for creative assets; thin: validate, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from assets import alt_text_suggestions, selectors, services
from assets.api import serializers as s
from assets.models import Asset
from tenants.permissions import BrandScopedMixin


def _author(request: Request) -> dict[str, Any]:
    """The person uploading, or for an integrator's API key the key and its creator."""
    key = getattr(request.user, "key", None)
    if key is not None:
        return {"created_by": key.created_by, "created_by_key_id": key.pk}
    return {"created_by": request.user if request.user.is_authenticated else None}


@extend_validation_errors(
    ["unsupported_file", "image_too_large", "video_too_large"], field_name="file", methods=["post"]
)
@extend_validation_errors(["invalid"], field_name="tags", methods=["post"])
class AssetListView(BrandScopedMixin, GenericAPIView):  # type: ignore[type-arg]
    """The brand's library, newest first; upload an image (multipart) to add to it."""

    read_action = "content.read"
    write_action = "content.write"
    serializer_class = s.AssetSerializer

    # Uploads are multipart (reads take no body).
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> Any:
        # Only the schema generator asks, to name the model; reads go through the selectors.
        return Asset.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="A word of the name, or a whole tag."),
            OpenApiParameter("tag", str, description="Only assets with this tag."),
        ],
        responses=s.AssetSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        assets = selectors.library(
            search=request.query_params.get("search", ""), tag=request.query_params.get("tag", "")
        )
        page = self.paginate_queryset(assets)
        rows = s.AssetSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(rows)

    @extend_schema(
        request=s.UploadSerializer,
        responses={201: s.AssetSerializer},
    )
    def post(self, request: Request) -> Response:
        """Upload an image: checked from its bytes (JPEG, PNG or WebP), at most
        ``ASSET_IMAGE_MAX_BYTES`` and ``ASSET_IMAGE_MAX_PIXELS``, its EXIF and location stripped
        unless ``keep_metadata``. A bad file is a 4xx naming ``file`` and nothing is stored.
        The asset is ``processing`` until its renditions are made on the worker."""
        body = s.UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        asset = services.upload_asset(
            file=upload,
            size=upload.size,
            name=body.validated_data.get("name") or upload.name or "image",
            tags=body.validated_data["tags"],
            keep_metadata=body.validated_data["keep_metadata"],
            **_author(request),
        )
        data = s.AssetSerializer(asset, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_validation_errors(["invalid"], field_name="name", methods=["patch"])
@extend_validation_errors(["invalid"], field_name="tags", methods=["patch"])
class AssetDetailView(BrandScopedMixin, GenericAPIView):  # type: ignore[type-arg]
    """One asset: its state (processing, ready, failed) and signed URLs; rename or tag it;
    delete it (409 while a draft in review or approved uses it)."""

    read_action = "content.read"
    write_action = "content.write"
    serializer_class = s.AssetSerializer

    def get(self, request: Request, pk: int) -> Response:
        asset = selectors.asset_by_id(asset_id=pk)
        return Response(s.AssetSerializer(asset, context={"request": request}).data)

    @extend_schema(request=s.DescribeSerializer, responses=s.AssetSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        body = s.DescribeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asset = services.describe_asset(asset_id=pk, **body.validated_data)
        return Response(s.AssetSerializer(asset, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.delete_asset(asset_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# A missing or malformed list is reported on ``assets`` itself (the generated schema only
# expects ``assets.non_field_errors``).
@extend_validation_errors(
    ["invalid", "required", "null", "not_a_list", "empty"], field_name="assets", methods=["put"]
)
class DraftAssetsView(BrandScopedMixin, GenericAPIView):  # type: ignore[type-arg]
    """The images a draft carries, in order with alt text and signed URLs (integrators fetch
    them to publish). ``warnings``: images without alt text, images the network would crop, a
    post on a network that needs an image and has none. PUT replaces the list (more images
    than the draft's network takes is a 400): in place (200) while the draft is being written;
    once it went to review or further, as a new version of the draft (201, ``draft`` names it)
    whose review starts again, like an edit of its text. 409 for a published draft or a
    version that already has a newer one."""

    read_action = "content.read"
    write_action = "content.write"
    serializer_class = s.DraftAssetsSerializer
    pagination_class = None

    def _answer(self, request: Request, draft_id: int) -> Response:
        links = selectors.draft_assets(draft_id=draft_id)
        body = {
            "draft": draft_id,
            "assets": links,
            "warnings": selectors.media_warnings(draft_id=draft_id, links=links),
        }
        suggestions = {
            row.asset_id: row
            for row in alt_text_suggestions.suggestions_for_draft(draft_id=draft_id)
        }
        return Response(
            s.DraftAssetsSerializer(
                body, context={"request": request, "suggestions": suggestions}
            ).data
        )

    def get(self, request: Request, pk: int) -> Response:
        return self._answer(request, pk)

    @extend_schema(
        request=s.SetDraftAssetsSerializer,
        responses={200: s.DraftAssetsSerializer, 201: s.DraftAssetsSerializer},
    )
    def put(self, request: Request, pk: int) -> Response:
        body = s.SetDraftAssetsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        author = _author(request)
        change = services.set_draft_assets(
            draft_id=pk,
            attachments=[
                services.Attachment(asset_id=item["asset"], alt_text=item["alt_text"])
                for item in body.validated_data["assets"]
            ],
            actor=author["created_by"],
            actor_key_id=author.get("created_by_key_id"),
        )
        answer = self._answer(request, change.draft_id)
        if change.revised:
            answer.status_code = status.HTTP_201_CREATED
        return answer
