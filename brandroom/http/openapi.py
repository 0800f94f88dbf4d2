"""The API's OpenAPI schema class: drf-standardized-errors' error bodies, the ``Idempotency-Key``
header and its 409 / 422 answers on every POST, domain conflicts (409) on every write, and
``Retry-After`` on 429. The integrator guide in the schema's description is integrations'
(``integrations.openapi``)."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from drf_standardized_errors.openapi import AutoSchema as StandardErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum, ParseErrorCodeEnum
from rest_framework import serializers

from brandroom.http import idempotency
from brandroom.http.query import UNKNOWN_PARAMETER_ATTR
from brandroom.rules import RuleViolation


class ConflictErrorSerializer(serializers.Serializer):
    # Free text: besides idempotency_key_in_use (409) and idempotency_key_reused (422), each
    # app's domain conflicts (e.g. slug_taken, endpoint_disabled) answer with their own code.
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ConflictErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = ConflictErrorSerializer(many=True)


# A request the API could not read: drf-standardized-errors' parse error, plus the limits
# Django stops reading at (brandroom.errors.RequestLimitExceeded), under the same names.
UNREADABLE_REQUEST_CODES = [
    *ParseErrorCodeEnum.choices,
    # brandroom.errors.RequestLimitExceeded.CODES
    ("too_many_fields", "Too Many Fields"),
    ("too_many_files", "Too Many Files"),
]


@extend_schema_serializer(component_name="ParseError")
class UnreadableRequestErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=UNREADABLE_REQUEST_CODES)
    detail = serializers.CharField()
    attr = serializers.CharField(
        allow_null=True,
        help_text="null for a body that could not be parsed; `non_field_errors` when the "
        "request has more fields or files than the server reads.",
    )


@extend_schema_serializer(component_name="ParseErrorResponse")
class UnreadableRequestResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = UnreadableRequestErrorSerializer(many=True)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=idempotency.HEADER,
    type={"type": "string", "pattern": idempotency.KEY_PATTERN.pattern},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes the POST safe to retry: a repeat with the same key and body gets the stored "
        "response back (with `Idempotent-Replayed: true`); the same key with a different body "
        "gets 422; a repeat while the first request runs gets 409. Keys are per caller and "
        "brand, 1-255 visible ASCII characters (no spaces), and kept for 24 hours."
    ),
)


BRAND_ROUTE = re.compile(r"^/brands/\{[^}]+\}/api/v1/")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AutoSchema(StandardErrorsAutoSchema):
    """drf-standardized-errors' schema plus the idempotency contract on POST operations.

    The parent documents error responses only for views whose exception handler is its own
    function; ours (brandroom.errors.exception_handler) extends it and renders the same bodies,
    so the same rules apply.
    """

    def _should_add_error_response(self, responses: dict[str, Any], status_code: str) -> bool:
        if status_code in responses:
            return False
        checks = {
            "400": lambda: (
                self._should_add_parse_error_response()
                or self._should_add_validation_error_response()
            ),
            "401": self._should_add_http401_error_response,
            "403": self._should_add_http403_error_response,
            "404": self._should_add_http404_error_response,
            "405": self._should_add_http405_error_response,
            "406": self._should_add_http406_error_response,
            "415": self._should_add_http415_error_response,
            "429": self._should_add_http429_error_response,
            "500": self._should_add_http500_error_response,
        }
        check = checks.get(status_code)
        return True if check is None else bool(check())

    def _get_http400_serializer(self) -> Any:
        proxy = super()._get_http400_serializer()
        if ClientErrorEnum.CLIENT_ERROR.value in proxy.serializers:
            proxy.serializers[ClientErrorEnum.CLIENT_ERROR.value] = (
                UnreadableRequestResponseSerializer
            )
        return proxy

    def _determine_fields_with_error_codes(self) -> list[Any]:
        if self.method in WRITE_METHODS and isinstance(self.get_request_serializer(), dict):
            # A raw body by media type (a resumable upload's piece) has no fields to name; the
            # view's extend_validation_errors name what it refuses (a header, the file made).
            return []
        return list(super()._determine_fields_with_error_codes())

    def _get_validation_error_codes_by_field(self, data_fields: list[Any]) -> dict[str, set[str]]:
        codes = super()._get_validation_error_codes_by_field(data_fields)
        if self.method in WRITE_METHODS:
            # Besides the serializer's own checks, the services refuse input that breaks a
            # business rule as a 400 naming the field, with RuleViolation's default code.
            for field in data_fields:
                codes[field.name].add(RuleViolation.code)
        return codes

    def get_tags(self) -> list[str]:
        """One tag per resource (``drafts``, ``approvals``, ``webhooks``, ...) instead of one
        "brands" tag for the whole brand API; the platform API's routes are ``platform``."""
        brand_route = BRAND_ROUTE.match(self.path)
        if brand_route is None:
            return ["platform"]
        resource = self.path[brand_route.end() :].split("/", 1)[0]
        return [resource or "brand"]

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction=direction)  # type: ignore[arg-type]
        if direction == "response" and "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "description": "Seconds to wait before the next request.",
                "schema": {"type": "integer"},
                "required": True,
            }
        if direction == "response" and self.method in WRITE_METHODS:
            # Every write can meet a domain conflict (a draft already in review cannot be
            # deleted, a decided step cannot be decided again); POST adds idempotency's 409/422.
            for code in ("409", "422") if self.method == "POST" else ("409",):
                responses.setdefault(
                    code,
                    self._get_response_for_code(ConflictErrorResponseSerializer, code),
                )
        return responses


# drf-standardized-errors names list items and dict entries in error ``attr`` with these
# placeholders ("tone.INDEX") while the API answers with the real index or key ("tone.3").
_ATTR_PLACEHOLDERS = {"INDEX": r"\d+", "KEY": r"[^.]+"}


def match_error_attr_placeholders(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Post-processing hook: document error ``attr`` values of list items and dict entries as
    patterns that match what the API really returns, instead of the literal placeholder."""
    for component in result.get("components", {}).get("schemas", {}).values():
        attr = component.get("properties", {}).get("attr", {})
        names = attr.get("enum") or []
        if len(names) != 1 or not isinstance(names[0], str):
            continue
        if names[0] == UNKNOWN_PARAMETER_ATTR:
            component["properties"]["attr"] = {
                "type": "string",
                "description": "The query parameter the operation does not take, as sent.",
            }
            continue
        parts = names[0].split(".")
        if not any(part in _ATTR_PLACEHOLDERS for part in parts):
            continue
        pattern = r"\.".join(_ATTR_PLACEHOLDERS.get(part, re.escape(part)) for part in parts)
        component["properties"]["attr"] = {
            "type": "string",
            "pattern": f"^{pattern}$",
            "description": f"`{names[0]}`, with the item's index or key.",
        }
    return result
