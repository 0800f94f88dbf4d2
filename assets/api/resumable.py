"""Resumable uploads over the tus 1.0.0 protocol (core, creation, termination, expiration), so
standard clients (tus-js-client, Uppy) work: thin views that read the protocol's headers, call
``assets.resumable`` and answer in its headers. Errors are the usual JSON error body, with the
header at fault as ``attr``."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Any

from django.conf import settings
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.errors import AssetsError, ProtocolVersionUnsupported, WrongPieceType
from assets.models import ResumableUpload
from assets.resumable import selectors, services
from brandroom.http.openapi import ConflictErrorResponseSerializer
from brandroom.rules import RuleViolation
from tenants.permissions import BrandScopedMixin

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
PIECE_TYPE = "application/offset+octet-stream"


def _header(name: str, description: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.HEADER, required=required, description=description
    )


TUS_RESUMABLE = _header("Tus-Resumable", "Always `1.0.0`.", required=True)


def _refusals(**answers: str) -> dict[int, OpenApiResponse]:
    """tus's own refusals, in the API's error body (the usual 4xx are added by the schema)."""
    codes = {"gone": 410, "precondition": 412, "too_large": 413, "busy": 423}
    return {
        codes[name]: OpenApiResponse(response=ConflictErrorResponseSerializer, description=text)
        for name, text in answers.items()
    }


NOT_TUS_1 = "`Tus-Resumable` is not `1.0.0` (the answer's `Tus-Version` says what is spoken)."
GONE = "The upload expired or its received bytes are lost; start a new one."
TOKEN = OpenApiParameter(
    "token",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    description="The upload, as its `Location` names it.",
)


def _actor(request: Request) -> dict[str, Any]:
    """The person uploading, or for an integrator's API key the key and its creator."""
    key = getattr(request.user, "key", None)
    if key is not None:
        return {"actor": key.created_by, "actor_key_id": key.pk}
    return {"actor": request.user if request.user.is_authenticated else None}


def _expires(upload: ResumableUpload) -> str:
    return http_date(upload.expires_at.timestamp())


def parse_metadata(raw: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (a key alone has an
    empty value)."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            found[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise AssetsError(
                f"Upload-Metadata: the value of '{key}' is not base64 of UTF-8 text.",
                field="Upload-Metadata",
            ) from None
        if "\x00" in found[key]:
            # Refused as a multipart field would be (and PostgreSQL cannot store it).
            raise AssetsError(
                f"Upload-Metadata: the value of '{key}' holds a NUL character.",
                field="Upload-Metadata",
            )
    return found


# ASCII digits only (``str.isdigit`` also takes "²", which ``int`` refuses), and no more than
# a 64-bit count of bytes has (``int`` refuses thousands of digits too).
WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")


def _whole_number(request: Request, header: str) -> int:
    raw = request.headers.get(header, "")
    if not WHOLE_NUMBER.fullmatch(raw):
        raise AssetsError(f"{header} must be a whole number of bytes.", field=header)
    return int(raw)


class _AnyoneMayAsk(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return True


class TusView(BrandScopedMixin, APIView):
    """What every tus endpoint shares: OPTIONS tells the server's capabilities to anyone (they
    are the same for every brand), every other request must speak tus 1.0.0 (412 otherwise),
    and every answer says ``Tus-Resumable``. Same roles as the multipart upload."""

    read_action = "content.write"
    write_action = "content.write"
    # A client learns the protocol before it signs anything (a browser's preflight has no
    # credentials); the answer says nothing about the brand.
    speaks_tus_on = frozenset({"HEAD", "POST", "PATCH", "DELETE"})

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "OPTIONS":
            return [_AnyoneMayAsk()]
        return super().get_permissions()  # type: ignore[no-any-return]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method in self.speaks_tus_on:
            version = request.headers.get("Tus-Resumable", "")
            if version != TUS_VERSION:
                raise ProtocolVersionUnsupported(
                    f"This server speaks tus {TUS_VERSION}; the request said "
                    f"'{version or 'nothing'}'.",
                    field="Tus-Resumable",
                )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        if response.status_code == status.HTTP_412_PRECONDITION_FAILED:
            response["Tus-Version"] = TUS_VERSION
        return response

    @extend_schema(exclude=True)
    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            status=status.HTTP_204_NO_CONTENT,
            headers={
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(settings.ASSET_UPLOAD_MAX_BYTES),
            },
        )


# Its headers are its input: each refused is a 400 naming the header (a tag refused, too).
@extend_validation_errors([RuleViolation.code], field_name="Upload-Length", methods=["post"])
@extend_validation_errors([RuleViolation.code], field_name="Upload-Metadata", methods=["post"])
@extend_validation_errors([RuleViolation.code], field_name="tags", methods=["post"])
class ResumableUploadsView(TusView):
    """Start a resumable upload (tus creation)."""

    @extend_schema(
        operation_id="assets_uploads_create",
        request=None,
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Length", "The file's size in bytes.", required=True),
            _header(
                "Upload-Metadata",
                "Comma-separated `key base64(value)`: `filename`, `filetype`, `name` (the "
                "asset's name; the file name otherwise), `tags` (comma-separated), "
                "`keep_metadata` (`true` keeps an image's EXIF / a video's metadata).",
            ),
        ],
        responses={
            201: OpenApiResponse(
                description="Created; `Location` is the upload's URL, `Upload-Expires` when an "
                "unfinished upload is swept away."
            ),
            **_refusals(
                precondition=NOT_TUS_1,
                too_large="`Upload-Length` is over what an asset may be.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Open an upload of ``Upload-Length`` bytes: 413 at once when that is over what an
        asset may be (or over the image limit for a file whose ``filetype`` says image)."""
        if request.headers.get("Upload-Defer-Length"):
            raise AssetsError(
                "Say the upload's length (Upload-Length); deferring it is not supported.",
                field="Upload-Length",
            )
        length = _whole_number(request, "Upload-Length")
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = services.start_upload(
            length=length,
            filename=metadata.get("filename", ""),
            declared_type=metadata.get("filetype", ""),
            name=metadata.get("name", ""),
            tags=[t for t in metadata.get("tags", "").split(",") if t.strip()],
            keep_metadata=metadata.get("keep_metadata", "").lower() == "true",
            **_actor(request),
        )
        location = request.build_absolute_uri(f"{request.path}{upload.token}/")
        return Response(
            status=status.HTTP_201_CREATED,
            headers={"Location": location, "Upload-Expires": _expires(upload)},
        )


class UploadProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.UUIDField()
    length = serializers.IntegerField()
    offset = serializers.IntegerField()
    filename = serializers.CharField()
    expires_at = serializers.DateTimeField()
    asset = serializers.IntegerField(
        source="asset_id", allow_null=True, help_text="The asset, once the last byte arrived."
    )


# The last piece makes the asset with the multipart upload's checks: a file they refuse is the
# same 400 naming ``file``.
@extend_validation_errors(
    ["unsupported_file", "image_too_large", "video_too_large"], field_name="file", methods=["patch"]
)
@extend_validation_errors([RuleViolation.code], field_name="Upload-Offset", methods=["patch"])
class ResumableUploadView(TusView):
    """One resumable upload: where it stands (HEAD), its next piece (PATCH), give it up
    (DELETE). Only whoever started it finds it."""

    @extend_schema(
        parameters=[TOKEN, TUS_RESUMABLE],
        responses={
            200: OpenApiResponse(
                description="`Upload-Offset` (bytes received) and `Upload-Length`; no body."
            ),
            **_refusals(precondition=NOT_TUS_1, gone=GONE),
        },
    )
    def head(self, request: Request, token: uuid.UUID) -> Response:
        upload = selectors.upload_progress(token=token, **_actor(request))
        return Response(
            headers={
                "Upload-Offset": str(upload.offset),
                "Upload-Length": str(upload.length),
                "Upload-Expires": _expires(upload),
                "Cache-Control": "no-store",
            }
        )

    @extend_schema(parameters=[TOKEN], responses=UploadProgressSerializer)
    def get(self, request: Request, token: uuid.UUID) -> Response:
        """Where the upload stands as JSON, with the asset it made once finished (not part of
        tus; for clients that want the asset's id)."""
        upload = selectors.upload_progress(token=token, **_actor(request))
        return Response(UploadProgressSerializer(upload).data)

    @extend_schema(
        request={PIECE_TYPE: OpenApiTypes.BINARY},
        parameters=[
            TOKEN,
            TUS_RESUMABLE,
            _header("Upload-Offset", "Where this piece starts.", required=True),
        ],
        responses={
            204: OpenApiResponse(
                description="Taken; `Upload-Offset` is where the upload now stands. With the "
                "last byte the file became an asset: `Asset-Id` and `Asset-Location` name it."
            ),
            **_refusals(
                precondition=NOT_TUS_1,
                gone=GONE,
                too_large="The piece goes past the upload's length, or the finished file is "
                "over the limit for its type.",
                busy="Another piece of this upload is being received; retry.",
            ),
        },
    )
    def patch(self, request: Request, token: uuid.UUID) -> Response:
        """Append a piece (``Content-Type: application/offset+octet-stream``, 415 otherwise)
        starting at ``Upload-Offset`` (409 unless that is where the upload stands; 423 while
        another piece is being received). A piece past the length is a 413. The last byte
        makes the asset with the same checks as a multipart upload; a file they refuse is the
        same 4xx naming ``file``, and the upload is gone."""
        declared = request.content_type.split(";")[0].strip().lower()
        if declared != PIECE_TYPE:
            raise WrongPieceType(
                f"A piece is sent as {PIECE_TYPE}, not '{declared or 'nothing'}'.",
                field="Content-Type",
            )
        offset = _whole_number(request, "Upload-Offset")
        raw_size = request.META.get("CONTENT_LENGTH") or ""
        outcome = services.receive_piece(
            token=token,
            offset=offset,
            # Read straight from the request: the body is never held in memory whole.
            stream=request._request,
            size=int(raw_size) if WHOLE_NUMBER.fullmatch(raw_size) else None,
            **_actor(request),
        )
        upload = outcome.upload
        headers = {"Upload-Offset": str(upload.offset), "Upload-Expires": _expires(upload)}
        if upload.asset_id is not None:
            headers["Asset-Id"] = str(upload.asset_id)
            headers["Asset-Location"] = request.build_absolute_uri(
                f"{request.path.removesuffix(f'uploads/{token}/')}{upload.asset_id}/"
            )
        return Response(status=status.HTTP_204_NO_CONTENT, headers=headers)

    @extend_schema(
        parameters=[TOKEN, TUS_RESUMABLE],
        responses={204: None, **_refusals(precondition=NOT_TUS_1, gone=GONE)},
    )
    def delete(self, request: Request, token: uuid.UUID) -> Response:
        """Give the upload up: the bytes received so far are deleted (an asset it made
        stays)."""
        services.terminate_upload(token=token, **_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
