"""One error format for the whole API (drf-standardized-errors), plus our domain errors.

Every error body is ``{"type": ..., "errors": [{"code", "detail", "attr"}]}`` where ``attr``
names the field at fault. Domain exceptions from any app are mapped to HTTP here, once.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
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


class BrandroomExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
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
    status: int, code: str, detail: str, *, type_: str = "client_error"
) -> JsonResponse:
    """The API's error body for answers given outside DRF (middleware, Django's own 404/500)."""
    return JsonResponse(
        {"type": type_, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status
    )


def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    """Django's 404 for URLs no route matches, in the API's error format instead of HTML."""
    return error_response(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's 500 for errors outside DRF's handler, in the API's error format."""
    return error_response(500, "error", "A server error occurred.", type_="server_error")
