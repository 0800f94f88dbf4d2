from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import Asset, DraftAsset
from assets.selectors import file_urls


class FileUrlsSerializer(serializers.Serializer):
    """Signed URLs that expire (``ASSET_URL_MAX_AGE_SECONDS``); fetch them without
    credentials. Renditions are null until the asset is ready."""

    original = serializers.URLField()
    thumbnail = serializers.URLField(allow_null=True)
    phone = serializers.URLField(allow_null=True)


class AssetSerializer(serializers.ModelSerializer):
    urls = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "kind",
            "name",
            "tags",
            "content_type",
            "size_bytes",
            "width",
            "height",
            "duration_seconds",
            "metadata_stripped",
            "state",
            "failure",
            "urls",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FileUrlsSerializer)
    def get_urls(self, asset: Asset) -> dict[str, str | None]:
        request = self.context["request"]
        paths = file_urls(asset=asset, brand_slug=request._request.brand.slug)
        return {k: request.build_absolute_uri(v) if v else None for k, v in paths.items()}


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "A JPEG, PNG or WebP image, or an MP4, QuickTime or WebM video (where ffmpeg is "
            "installed); the type is read from the bytes, not the name."
        )
    )
    name = serializers.CharField(required=False, max_length=200, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list
    )
    keep_metadata = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep EXIF (camera, location) in the stored original; stripped by default.",
    )


class DescribeSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=200)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False)


class AttachmentSerializer(serializers.Serializer):
    asset = serializers.IntegerField(min_value=1)
    alt_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class SetDraftAssetsSerializer(serializers.Serializer):
    assets = AttachmentSerializer(many=True)


class WarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "missing_alt_text",
            "aspect_ratio",
            "media_required",
            "video_required",
            "video_too_long",
        ]
    )
    position = serializers.IntegerField(allow_null=True)
    asset = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class SuggestedAltTextSerializer(serializers.Serializer):
    """The assistant's newest alt-text suggestion for the image (see
    ``.../alt-text-suggestions/<id>/``); null when none was asked for."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    text = serializers.CharField()


class DraftAssetSerializer(serializers.ModelSerializer):
    asset = AssetSerializer()
    alt_text_suggestion = serializers.SerializerMethodField()

    class Meta:
        model = DraftAsset
        fields = ["position", "alt_text", "alt_text_suggestion", "asset"]
        read_only_fields = fields

    @extend_schema_field(SuggestedAltTextSerializer(allow_null=True))
    def get_alt_text_suggestion(self, link: DraftAsset) -> dict[str, object] | None:
        row = self.context.get("suggestions", {}).get(link.asset_id)
        if row is None:
            return None
        return {"id": row.pk, "status": row.status, "text": row.text}


class DraftAssetsSerializer(serializers.Serializer):
    draft = serializers.IntegerField()
    assets = DraftAssetSerializer(many=True)
    warnings = WarningSerializer(many=True)
