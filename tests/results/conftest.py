"""Results fixtures: published posts on brand A's channels, and clients for the integrator
(an API key with ``ingest:metrics``) and the people of the brand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django_tenants.utils import schema_context

from content.models import AudienceProfile, Brief, Channel, Draft
from tenants.roles import Scope
from tests.integrations.conftest import key_client


def results_url(bw: Any, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/results/{tail}"


def integrator(bw: Any) -> Any:
    return key_client(bw.brand, [Scope.INGEST_METRICS])


def channel(bw: Any, handle: str = "alpinecoffee", network: str = "instagram") -> Channel:
    with schema_context(bw.brand.schema_name):
        return Channel.objects.create(
            network=network, handle=handle, max_length=2200, max_hashtags=30, links_allowed=False
        )


def published_post(
    bw: Any,
    external_id: str,
    *,
    published_at: datetime,
    on: Channel | None = None,
    audience: AudienceProfile | None = None,
    campaign: str = "",
    kind: str = "post",
    text: str = "",
) -> Draft:
    """A post that went out (as the published callback leaves it)."""
    with schema_context(bw.brand.schema_name):
        brief = (
            Brief.objects.create(title=f"Brief {external_id}", key_message="x", campaign=campaign)
            if campaign
            else None
        )
        return Draft.objects.create(
            kind=kind,
            text=text or f"Post {external_id}",
            status="published",
            channel=on,
            audience=audience,
            brief=brief,
            external_id=external_id,
            published_at=published_at,
        )


def snap(external_id: str, at: str, **counters: Any) -> dict[str, Any]:
    return {"external_id": external_id, "observed_at": at, **counters}
