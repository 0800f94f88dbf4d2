"""One error format for the whole API (drf-standardized-errors), plus our domain errors.

Every error body is ``{"type": ..., "errors": [{"code", "detail", "attr"}]}`` where ``attr``
names the field at fault. Domain exceptions from any app are mapped to HTTP here, once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions

from brandroom.rules import RuleViolation


class DomainError(exceptions.APIException):
    """Wraps an app's domain error so it renders like any other API error."""

    def __init__(self, *, status_code: int, code: str, message: str, field: str | None) -> None:
        self.status_code = status_code
        self.field = field
        if field:
            detail: Any = {field: [exceptions.ErrorDetail(message, code=code)]}
        else:
            detail = exceptions.ErrorDetail(message, code=code)
        super().__init__(detail=detail, code=code)


# How long a client should wait before retrying when the database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(exceptions.APIException):
    """The database does not answer (down, restarting, out of connections): 503, retry later."""

    status_code = 503
    default_code = "database_unavailable"
    default_detail = "The service is briefly unavailable; retry in a few seconds."
    wait = DATABASE_RETRY_AFTER_SECONDS  # DRF's handler turns ``wait`` into Retry-After


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self, *, form_fields: bool = False) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if form_fields:
            # A multipart body may be far larger (an upload's file); its other fields may not.
            super().__init__(
                f"The form's fields other than files are larger than {limit:,} bytes together "
                "(DATA_UPLOAD_MAX_MEMORY_SIZE); files do not count, so send long text as a file."
            )
        else:
            super().__init__(f"The request body is larger than {limit} bytes.")


# drf-standardized-errors' name for an error of the request as a whole, not of one field.
WHOLE_REQUEST = "non_field_errors"


class RequestLimitExceeded(exceptions.APIException):
    """Django stopped reading the request at one of its limits on how many parts a request may
    have: a 400 whose code and detail name the limit, on the request as a whole (no one field
    is at fault). Documented with the parse errors (brandroom.http.openapi)."""

    status_code = 400
    CODES = ("too_many_fields", "too_many_files")

    def __init__(self, *, code: str, message: str) -> None:
        super().__init__({WHOLE_REQUEST: [exceptions.ErrorDetail(message, code=code)]}, code)


def request_limit_exceeded(exc: Exception, request: Any) -> RequestLimitExceeded | None:
    """What Django's ``TooManyFieldsSent`` / ``TooManyFilesSent`` means for this request: which
    limit, how large, and whether the query string or the form broke it."""
    if isinstance(exc, TooManyFilesSent):
        files = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return RequestLimitExceeded(
            code="too_many_files",
            message=f"The form has more than {files:,} files (DATA_UPLOAD_MAX_NUMBER_FILES); "
            "send fewer in one request.",
        )
    if not isinstance(exc, TooManyFieldsSent):
        return None
    fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    query = request.META.get("QUERY_STRING", "") if request is not None else ""
    # Counted as Django counts them (one more than the separators): the query string and the
    # form are held to the limit each on its own.
    if query and query.count("&") + 1 > fields:
        what = f"The query string has more than {fields:,} parameters"
    else:
        what = f"The form has more than {fields:,} fields"
    return RequestLimitExceeded(
        code="too_many_fields",
        message=f"{what} (DATA_UPLOAD_MAX_NUMBER_FIELDS); send fewer, or send the data as JSON "
        "where the endpoint takes it.",
    )


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached (not that a query was wrong)."""
    return isinstance(exc, OperationalError | InterfaceError)


class BrandroomExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if is_database_outage(exc):
            return DatabaseUnavailable()
        request = self.context.get("request")
        if isinstance(exc, RequestDataTooBig):
            multipart = getattr(request, "content_type", "").startswith("multipart/form-data")
            return RequestTooLarge(form_fields=multipart)
        if (limit := request_limit_exceeded(exc, request)) is not None:
            return limit
        if isinstance(exc, SuspiciousOperation):  # a malformed body, ...
            return exceptions.ParseError("The request could not be read.")
        if isinstance(exc, RuleViolation):
            if exc.status_code == 400:
                # A rule the input broke is a validation error like any serializer's: same
                # ``type`` and the ``attr`` naming the input, as the schema documents for 400s.
                detail = exceptions.ErrorDetail(exc.message, code=exc.code)
                field = exc.field
                return exceptions.ValidationError({field: [detail]} if field else [detail])
            return DomainError(
                status_code=exc.status_code, code=exc.code, message=exc.message, field=exc.field
            )
        return super().convert_known_exceptions(exc)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    return BrandroomExceptionHandler(exc, context).run()


def error_response(
    status: int, code: str, detail: str, *, type_: str = "client_error", attr: str | None = None
) -> JsonResponse:
    """The API's error body for answers given outside DRF (middleware, Django's own 404/500)."""
    return JsonResponse(
        {"type": type_, "errors": [{"code": code, "detail": detail, "attr": attr}]}, status=status
    )


def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    """Django's 404 for URLs no route matches, in the API's error format instead of HTML."""
    return error_response(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's 500 for errors outside DRF's handler, in the API's error format (a 503 with
    ``Retry-After`` when the database is out: Django calls this inside the ``except``)."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response()
    return error_response(500, "error", "A server error occurred.", type_="server_error")


def database_unavailable_response() -> JsonResponse:
    response = error_response(
        503,
        DatabaseUnavailable.default_code,
        str(DatabaseUnavailable.default_detail),
        type_="server_error",
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def request_too_large_response() -> JsonResponse:
    return error_response(413, RequestTooLarge.default_code, str(RequestTooLarge().detail))


def upload_too_large_response(limit: int) -> JsonResponse:
    return error_response(
        413,
        "file_too_large",
        f"The upload is larger than {limit:,} bytes.",
        attr="file",
    )


# --- Every error on an API path is the JSON error body, in every mode ------------------------

API_PATH = re.compile(r"^/(?:brands/[^/]+/)?api/")
# The one endpoint that takes files (assets' upload): its body may be as large as the largest
# file type it takes (``ASSET_UPLOAD_MAX_BYTES``) plus the multipart envelope and form fields;
# the asset service then applies the limit of the type it finds.
UPLOAD_PATH = re.compile(r"^/(?:brands/[^/]+/)?api/v1/assets/$")
# A resumable upload's piece (PATCH, the raw bytes) may be the whole file; the service refuses
# a piece longer than what remains of the upload.
PIECE_PATH = re.compile(r"^/(?:brands/[^/]+/)?api/v1/assets/uploads/[0-9a-f-]+/$")
MULTIPART_ALLOWANCE = 64 * 1024
# What an error answered outside our handlers (Django's debug pages, a proxy-facing 400) says.
GENERIC_ERRORS = {
    400: ("parse_error", "The request could not be read."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: (RequestTooLarge.default_code, "The request body is too large."),
}
SERVER_ERROR = ("error", "A server error occurred.")
KEPT_ERROR_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


@receiver(got_request_exception)
def _remember_exception(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent by Django (and drf-standardized-errors) inside the ``except``: the middleware below
    # learns what the error was even when DEBUG answered it with an HTML page.
    if request is not None:
        request._brandroom_exception = sys.exc_info()[1]  # type: ignore[attr-defined]


class JsonErrorsMiddleware:
    """Outermost: an error answer on an API path that is not our JSON error body (Django's
    debug pages in development, its HTML 400 for a body over the upload limit) is replaced
    with it, keeping the status; a database outage on any path is a 503 with ``Retry-After``.

    Bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are refused here, before any middleware reads
    them, with a 413: the whole body counts, except on the upload endpoint (``UPLOAD_PATH``),
    whose limit is the largest upload it takes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = bool(API_PATH.match(request.path_info))
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if is_api and request.method == "POST" and UPLOAD_PATH.match(request.path_info):
            upload_limit = settings.ASSET_UPLOAD_MAX_BYTES + MULTIPART_ALLOWANCE
            if _content_length(request) > upload_limit:
                return upload_too_large_response(settings.ASSET_UPLOAD_MAX_BYTES)
        elif is_api and request.method == "PATCH" and PIECE_PATH.match(request.path_info):
            if _content_length(request) > settings.ASSET_UPLOAD_MAX_BYTES:
                return upload_too_large_response(settings.ASSET_UPLOAD_MAX_BYTES)
        elif is_api and limit is not None and _content_length(request) > limit:
            return request_too_large_response()
        response = self.get_response(request)
        if is_database_outage(getattr(request, "_brandroom_exception", None)):
            if is_api:
                return database_unavailable_response()
            if response.status_code >= 500:
                response.status_code = 503
                response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
            return response
        if not is_api or response.status_code < 400 or _is_json(response):
            return response
        code, detail = GENERIC_ERRORS.get(response.status_code, SERVER_ERROR)
        replaced = error_response(
            response.status_code,
            code,
            detail,
            type_="server_error" if response.status_code >= 500 else "client_error",
        )
        for name in KEPT_ERROR_HEADERS:
            if response.has_header(name):
                replaced[name] = response[name]
        return replaced


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith("application/") and "json" in content_type
