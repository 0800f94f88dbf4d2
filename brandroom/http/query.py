"""Query parameters: a name an endpoint does not know is a 400 naming it, never ignored.

A misspelt filter (``?overdu=true``) silently ignored answers with everything, which reads as
"the filter matched all of it"; refusing it tells the caller at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from brandroom.rules import RuleViolation

# Understood by every list: the cursor pagination's own parameters and DRF's format switch.
COMMON_PARAMETERS = frozenset({"cursor", "page_size", "format"})


class UnknownQueryParameter(RuleViolation):
    """A query parameter the endpoint does not take."""

    code = "unknown_parameter"


# The error's ``attr`` is the caller's own parameter name: documented as any string (see
# brandroom.http.openapi.match_error_attr_placeholders) on views decorated with this.
UNKNOWN_PARAMETER_ATTR = "UNKNOWN_PARAMETER"
documents_unknown_parameters = extend_validation_errors(
    [UnknownQueryParameter.code], field_name=UNKNOWN_PARAMETER_ATTR, methods=["get"]
)


def refuse_unknown_parameters(request: Request, allowed: Iterable[str]) -> None:
    """Raise ``UnknownQueryParameter`` (400, naming it) for the first parameter not allowed."""
    known = COMMON_PARAMETERS | frozenset(allowed)
    for name in sorted(request.query_params):
        if not name:
            # "?=x": there is no name to give back (the error format would show attr null).
            raise UnknownQueryParameter(
                f"A parameter without a name is not a filter here; use {', '.join(sorted(known))}.",
                field="(no name)",
            )
        if name not in known:
            raise UnknownQueryParameter(
                f"'{name}' is not a filter here; use {', '.join(sorted(known))}.", field=name
            )


class RefuseUnknownParameters(BaseFilterBackend):
    """Put first in a list view's ``filter_backends`` (and decorate the view with
    ``documents_unknown_parameters``): the names its filter set, ``ordering`` (when it orders)
    and ``extra_query_parameters`` declare are allowed, any other is a 400."""

    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        allowed = set(getattr(view, "extra_query_parameters", ()))
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        if getattr(view, "ordering_fields", None):
            allowed.add("ordering")
        refuse_unknown_parameters(request, allowed)
        return queryset
