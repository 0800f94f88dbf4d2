"""The network edge of webhook delivery: build the signed request and send it with httpx2.

Kept apart from the delivery rules so they stay testable and this stays small.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx2
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from integrations import signing
from integrations.destinations import pin_destination
from integrations.errors import ForbiddenDestination
from integrations.fresh_media import with_fresh_media_urls
from integrations.models import Delivery
from tenants.models import Brand

USER_AGENT = "Brandroom-Webhooks/1"
EXCERPT_BYTES = 1000


@dataclass(frozen=True)
class Answer:
    """What came back from one attempt: a status code, or why there was none."""

    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def payload(*, delivery: Delivery, brand: Brand, now: datetime) -> bytes:
    """The JSON body receivers get: the event with its id, type, time, brand and data, its
    asset URLs signed for this attempt (see integrations.fresh_media)."""
    event = delivery.event
    body = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at,
        "brand": brand.slug,
        "data": with_fresh_media_urls(data=event.data, brand=brand, now=now),
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def send(*, delivery: Delivery, brand: Brand, now: datetime) -> Answer:
    """POST the event to the endpoint, signed for ``now`` (the request's signature over the
    body exactly as sent); never raises for network trouble."""
    endpoint = delivery.endpoint
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        # Checked again at send time (the host's DNS may have changed since it was saved), and
        # the connection goes to the address that passed.
        destination = pin_destination(endpoint.url)
    except ForbiddenDestination as exc:
        return Answer(status_code=None, error=exc.message, excerpt="", duration_ms=took())
    body = payload(delivery=delivery, brand=brand, now=now)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_ID_HEADER: str(delivery.event_id),
        signing.EVENT_TYPE_HEADER: delivery.event.type,
        signing.DELIVERY_ID_HEADER: str(delivery.pk),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature_header(
            secrets=endpoint.signing_secrets(now=now), timestamp=timestamp, body=body
        ),
    }
    try:
        # No redirects: a 3xx could point anywhere, including inside our network.
        with (
            httpx2.Client(
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                destination.connect_url,
                content=body,
                headers={**headers, "Host": destination.host_header},
                extensions={"sni_hostname": destination.server_name},
            ) as response,
        ):
            # Only the start of the answer is kept; a huge body is never read into memory.
            excerpt = b""
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
    except httpx2.HTTPError as exc:
        host = urlsplit(endpoint.url).hostname
        return Answer(
            status_code=None,
            error=f"{exc.__class__.__name__} while reaching {host}: {exc}"[:500],
            excerpt="",
            duration_ms=took(),
        )
    return Answer(
        status_code=response.status_code,
        error="" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}",
        excerpt=excerpt[:EXCERPT_BYTES].decode("utf-8", errors="replace"),
        duration_ms=took(),
    )
