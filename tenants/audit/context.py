"""Who is acting in the current request, for audit entries written deep inside services.

Services are called from views, actors and seeding alike and most take no "acting person"
argument; rather than thread one through every signature, the middleware remembers the request
and ``current_request`` hands it to ``tenants.audit.services.record``, which reads the
authenticated principal (DRF writes the user and the API key back onto the Django request when
it authenticates). Outside a request (worker, shell, seeding) there is no request: the system
acted.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def current_request() -> HttpRequest | None:
    """The request being served on this thread, or None (worker, shell, tests calling
    services directly)."""
    return _request.get()


class ActingRequestMiddleware:
    """Remembers the request for the duration of the view, and forgets it afterwards so the
    next request on the same thread never inherits it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
