"""The OpenAPI schema, generated once per process and sent compressed.

Generating it walks every view and serializer (about 3 s for the whole API) and the result
depends only on the code, so each process keeps the first one it makes; the docs page then
loads it in a fraction of a second. A deploy starts new processes, so it is never stale.
"""

from __future__ import annotations

import threading
from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

_schemas: dict[tuple[str | None, str | None], dict[str, Any]] = {}
_lock = threading.Lock()


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, with its schema kept per API version and language."""

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, request.GET.get("lang"))
        with _lock:  # one thread generates it; the others wait for it rather than redo it
            schema = _schemas.get(key)
            if schema is None:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                schema = generator.get_schema(request=request, public=self.serve_public)
                _schemas[key] = schema
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


def forget_schemas() -> None:
    """Drop the kept schemas (tests that change what the schema shows)."""
    with _lock:
        _schemas.clear()
