"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the endpoint's secret.

Every delivery carries these headers:

- ``Brandroom-Event-Id``: the event's UUID (the same on every retry and redelivery, so a
  receiver can drop duplicates);
- ``Brandroom-Event-Type``: e.g. ``draft.ready``;
- ``Brandroom-Delivery-Id``: this delivery (a redelivery gets a new one);
- ``Brandroom-Timestamp``: Unix seconds when this attempt was signed;
- ``Brandroom-Signature``: ``v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``; for a
  day after the endpoint's secret is rotated, a second ``v1=`` value (comma-separated) signed
  with the previous secret follows, so a receiver still holding the old secret keeps verifying.

A receiver recomputes the HMAC over the timestamp header, a dot and the raw request body (bytes
as received, before any JSON parsing), compares it in constant time with the ``v1`` value, and
rejects the request when the timestamp is more than a few minutes away from its own clock: a
captured request replayed later then fails, because changing the timestamp breaks the
signature. ``verify_signature`` below is a reference implementation receivers may copy.
"""

from __future__ import annotations

import hashlib
import hmac
import time

EVENT_ID_HEADER = "Brandroom-Event-Id"
EVENT_TYPE_HEADER = "Brandroom-Event-Type"
DELIVERY_ID_HEADER = "Brandroom-Delivery-Id"
TIMESTAMP_HEADER = "Brandroom-Timestamp"
SIGNATURE_HEADER = "Brandroom-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The request was not signed with the secret, was altered, or is too old (a replay)."""


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``Brandroom-Signature`` header value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify_signature(
    *,
    secret: str,
    body: bytes,
    timestamp_header: str,
    signature_header: str,
    now: float | None = None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise InvalidSignature unless the headers prove ``body`` was signed recently with
    ``secret``. Several ``v1=`` values (comma-separated) are accepted, for secret rotation."""
    try:
        timestamp = int(timestamp_header)
    except (TypeError, ValueError):
        raise InvalidSignature("The timestamp header is missing or not a number.") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        raise InvalidSignature("The timestamp is outside the tolerance: a replay or a bad clock.")
    expected = sign(secret=secret, timestamp=timestamp, body=body)
    offered = [part.strip() for part in (signature_header or "").split(",")]
    if not any(hmac.compare_digest(expected, value) for value in offered):
        raise InvalidSignature("The signature does not match the body and timestamp.")


def signature_header(*, secrets: list[str], timestamp: int, body: bytes) -> str:
    """The header value carrying one ``v1=`` signature per secret, current secret first."""
    return ", ".join(sign(secret=secret, timestamp=timestamp, body=body) for secret in secrets)
