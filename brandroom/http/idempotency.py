"""``Idempotency-Key`` for every POST, brand and platform routes alike, in one middleware.

A POST carrying the header is claimed by inserting a row (unique per caller and key) *before*
the view runs, so of two concurrent requests exactly one wins the insert and runs; the other is
answered from the row:

- same key, same method, path and body, first request finished: the stored response is
  replayed (with ``Idempotent-Replayed: true``);
- same key, first request still running: 409;
- same key, different method, path or body: 422.

A response that shows a secret once (a new API key, a webhook endpoint's signing secret) is
never stored: the view marks it with ``shows_a_secret``, the record keeps a 409 that names what
the first request made instead, and a repeat gets that 409 (the secret cannot be shown again;
the caller lists or revokes what was made).

Keys are scoped to the brand and the caller (API key or person), so callers never see each
other's responses. Responses that a retry should not get back (5xx, 429) are not kept: the claim
is released and the client may retry with the same key. Records expire after
IDEMPOTENCY_KEY_TTL_HOURS (``expire_records``, run hourly by the scheduler).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from brandroom.errors import UPLOAD_PATH, error_response
from brandroom.http.credentials import KeyCredential
from brandroom.http.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII without spaces, so no proxy or client trims or folds a key into another one.
KEY_PATTERN = re.compile(r"^[!-~]{1,255}$")
KEPT_HEADERS = ("Content-Type", "Location")
# A claim still "in progress" after this long belongs to a request whose process died; a retry
# may take it over instead of getting 409 until the record expires.
ABANDONED_AFTER = timedelta(minutes=10)


class Outcome(Enum):
    CLAIMED = "claimed"
    REPLAY = "replay"
    IN_PROGRESS = "in_progress"
    MISMATCH = "mismatch"


def fingerprint_of(*, method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same" for one key: method, path with query, and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(
    *, scope: str, key: str, fingerprint: str, now: datetime
) -> tuple[Outcome, IdempotencyRecord]:
    """Claim ``key`` for a request by inserting its record; when the key is taken, say how the
    earlier request relates to this one. Expired and abandoned records are taken over."""
    ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now
                )
            return Outcome.CLAIMED, record
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:  # expired and removed since our insert failed: try again
            continue
        if existing.created_at < now - ttl:
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if existing.fingerprint != fingerprint:
            return Outcome.MISMATCH, existing
        if existing.status == IdempotencyRecord.Status.COMPLETED:
            return Outcome.REPLAY, existing
        if existing.created_at < now - ABANDONED_AFTER:
            # Conditional: of several retries, one takes the abandoned claim over.
            taken = IdempotencyRecord.objects.filter(
                pk=existing.pk,
                status=IdempotencyRecord.Status.IN_PROGRESS,
                created_at=existing.created_at,
            ).update(created_at=now)
            if taken:
                existing.created_at = now
                return Outcome.CLAIMED, existing
        return Outcome.IN_PROGRESS, existing
    return Outcome.IN_PROGRESS, existing  # pragma: no cover (three lost races in a row)


SECRET_ATTRIBUTE = "idempotency_secret_of"


def shows_a_secret(response: HttpResponse, *, original: str) -> HttpResponse:
    """Mark ``response`` as showing a secret that must never be stored or replayed; a repeat
    of the request gets a 409 saying that the first one ``original`` (e.g. "created API key 7
    (prefix 1a2b3c4d)")."""
    setattr(response, SECRET_ATTRIBUTE, original)
    return response


def complete(*, record: IdempotencyRecord, response: HttpResponse, now: datetime) -> None:
    """Keep the finished request's response for replays (for one that showed a secret, the
    409 that a repeat gets instead)."""
    original = getattr(response, SECRET_ATTRIBUTE, None)
    if original is not None:
        kept: HttpResponse = error_response(
            409,
            "idempotency_key_used_for_secret",
            f"A request with this {HEADER} already {original}. Its secret was shown once, in "
            "that response, and is never shown again: use it, or revoke what was made and "
            "make a new one with a new key.",
        )
    else:
        kept = response
    headers = {name: kept[name] for name in KEPT_HEADERS if kept.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=IdempotencyRecord.Status.COMPLETED,
        response_status=kept.status_code,
        response_body=bytes(kept.content),
        response_headers=headers,
        completed_at=now,
    )


def release(*, record: IdempotencyRecord) -> None:
    """Give the key back so the client may retry with it."""
    IdempotencyRecord.objects.filter(
        pk=record.pk, status=IdempotencyRecord.Status.IN_PROGRESS
    ).delete()


def expire_records(*, now: datetime) -> int:
    """Delete records older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many went."""
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def caller_scope(request: HttpRequest) -> str | None:
    """``brand:<id>|key:<id>``, ``brand:<id>|user:<id>`` or ``platform|user:<id>``; None when
    the request carries no valid credentials (the view will refuse it or it needs none)."""
    drf_request = Request(
        request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    had_user = hasattr(request, "user")
    user_before = getattr(request, "user", None)
    try:
        user = drf_request.user
        auth = drf_request.auth
    except APIException:
        return None
    finally:
        # DRF's Request writes the user it found back onto the request; leave it as it was so
        # the view authenticates exactly as it would without us.
        if had_user:
            request.user = user_before  # type: ignore[assignment]
    brand = getattr(request, "brand", None)
    where = f"brand:{brand.pk}" if brand is not None else "platform"
    if isinstance(auth, KeyCredential):
        return f"{where}|key:{auth.credential_id}"
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"{where}|user:{user.pk}"
    return None


def _worth_keeping(response: HttpResponse) -> bool:
    # A retry after a server error or a throttle should run again, not get the failure back.
    return (
        not getattr(response, "streaming", False)
        and response.status_code < 500
        and response.status_code != 429
    )


class IdempotencyMiddleware:
    """Applies the rules above to every POST that carries an ``Idempotency-Key`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return self.get_response(request)
        if not KEY_PATTERN.match(key):
            # "parse_error": the shape every POST documents for a request it cannot read.
            return error_response(
                400,
                "parse_error",
                f"{HEADER} must be 1 to 255 visible ASCII characters without spaces.",
            )
        # Read the body before authenticating: a session's CSRF check may parse the form, after
        # which the raw body can no longer be read.
        body = _body_of(request)
        scope = caller_scope(request)
        if scope is None:
            return self.get_response(request)
        fingerprint = fingerprint_of(
            method=request.method, path=request.get_full_path(), body=_comparable(request, body)
        )
        outcome, record = claim(scope=scope, key=key, fingerprint=fingerprint, now=timezone.now())
        if outcome is Outcome.MISMATCH:
            return error_response(
                422,
                "idempotency_key_reused",
                f"This {HEADER} was used for a different request (method, path or body); "
                "use a new key for a new request.",
            )
        if outcome is Outcome.IN_PROGRESS:
            busy = error_response(
                409,
                "idempotency_key_in_use",
                f"A request with this {HEADER} is still being processed; retry shortly.",
            )
            busy["Retry-After"] = "1"
            return busy
        if outcome is Outcome.REPLAY:
            replay = HttpResponse(
                content=bytes(record.response_body or b""), status=record.response_status
            )
            for name, value in record.response_headers.items():
                replay[name] = value
            replay[REPLAYED_HEADER] = "true"
            return replay
        try:
            response = self.get_response(request)
        except BaseException:
            release(record=record)
            raise
        if _worth_keeping(response):
            complete(record=record, response=response, now=timezone.now())
        else:
            release(record=record)
        return response


def _comparable(request: HttpRequest, body: bytes) -> bytes:
    """The body as two tries of the same request share it: a multipart body's boundary is
    chosen afresh by most clients on every send (a retried upload must still replay), so it
    is replaced by a fixed one."""
    boundary = (request.content_params or {}).get("boundary", "")
    if request.content_type != "multipart/form-data" or not boundary:
        return body
    return body.replace(b"--" + boundary.encode("latin-1", "replace"), b"--<boundary>")


def _body_of(request: HttpRequest) -> bytes:
    """The raw body, to fingerprint. Django refuses ``request.body`` past
    DATA_UPLOAD_MAX_MEMORY_SIZE, which an upload (brandroom.errors.UPLOAD_PATH) may be: its
    size was already held to the upload limit by JsonErrorsMiddleware, so read it here the way
    ``HttpRequest.body`` does, without that check; the form is then parsed from these bytes."""
    if UPLOAD_PATH.match(request.path_info) and not hasattr(request, "_body"):
        request._body = request.read()  # type: ignore[attr-defined]
        request._stream = io.BytesIO(request._body)  # type: ignore[attr-defined]
    return request.body
