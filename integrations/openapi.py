"""The integrator guide in the OpenAPI schema's description: webhooks (signatures, retries,
event types), idempotency and throttling. The schema class itself is the project's
(``brandroom.http.openapi``)."""

from __future__ import annotations

from typing import Any

from integrations import signing
from integrations.events import EventType

INTEGRATOR_GUIDE = f"""

## Webhooks
Agency admins register endpoints per brand (`/brands/{{brand}}/api/v1/webhooks/endpoints/`)
with an optional event filter. Each delivery is a JSON `POST` with `{{"id", "type",
"created_at", "brand", "data"}}` and these headers:
`{signing.EVENT_ID_HEADER}`, `{signing.EVENT_TYPE_HEADER}`, `{signing.DELIVERY_ID_HEADER}`,
`{signing.TIMESTAMP_HEADER}` (Unix seconds) and
`{signing.SIGNATURE_HEADER}: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
To verify: recompute the HMAC with the endpoint's secret over the timestamp header, a dot and
the raw body; compare in constant time; reject timestamps more than 5 minutes from your clock
(a replayed request cannot change its timestamp without breaking the signature); drop event ids
you have already processed. For 24 hours after a secret rotation
(`POST .../webhooks/endpoints/{{id}}/rotate-secret/`) the signature header carries a second,
comma-separated `v1=` value made with the previous secret: accept the request when any value
matches. Answer 2xx within 10 seconds. Failed attempts are retried with
exponential backoff; an endpoint whose every attempt has failed for a day is disabled and the
brand's agency admins and account leads are emailed (a short outage never disables it). Events
recorded while an endpoint is disabled are held for it (`held_deliveries`); after re-enabling it
(`PATCH` its `status` to `active`), `POST .../webhooks/endpoints/{{id}}/redeliver/` with
`{{"since": "<time>"}}` sends everything held or failed since then. Redeliver any single delivery
from the log.

Event types: {", ".join(f"`{value}`" for value in EventType.values)}
(`GET /brands/{{brand}}/api/v1/webhooks/event-types/`). The same events can be pulled from
`GET /brands/{{brand}}/api/v1/events/`.

## Idempotency
Send an `Idempotency-Key` header on any POST to make it safe to retry (see the parameter).

## Throttling
Requests are limited per brand and per API key; over the limit the answer is 429 with a
`Retry-After` header (seconds).
"""


def describe_integrator_contract(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Post-processing hook: append the integrator guide to the schema's description."""
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + INTEGRATOR_GUIDE
    return result
