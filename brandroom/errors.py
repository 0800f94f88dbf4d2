"""One error format for the whole API (drf-standardized-errors), plus our domain errors.

Every error body is ``{"type": ..., "errors": [{"code", "detail", "attr"}]}`` where ``attr``
names the field at fault. Domain exceptions from any app are mapped to HTTP here, once.
"""

from __future__ import annotations

from typing import Any

from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions


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
        status_code = getattr(exc, "status_code", None)
        code = getattr(exc, "code", None)
        if (
            not isinstance(exc, exceptions.APIException)
            and isinstance(status_code, int)
            and isinstance(code, str)
            and hasattr(exc, "message")
        ):
            return DomainError(
                status_code=status_code,
                code=code,
                message=exc.message,
                field=getattr(exc, "field", None),
            )
        return super().convert_known_exceptions(exc)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    return BrandroomExceptionHandler(exc, context).run()
