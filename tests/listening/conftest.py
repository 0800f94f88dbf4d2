"""Listening fixtures: clients for the integrator (an API key with ``ingest:signals``) and the
people of the brand, and helpers that send signals and read back what was stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tenants.utils import schema_context

# Declare the actors these tests send to before the inline broker (tests/conftest.py) takes
# them over, as the worker's autodiscovery does.
import content.tasks  # noqa: F401
import listening.tasks  # noqa: F401
from content.models import AudienceProfile, Brief, Channel
from listening.models import Signal
from tenants.roles import Scope
from tests.integrations.conftest import key_client


def url(bw: Any, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/listening/{tail}"


def integrator(bw: Any) -> Any:
    return key_client(bw.brand, [Scope.INGEST_SIGNALS])


def signal(external_id: str, at: datetime | str | None = None, **fields: Any) -> dict[str, Any]:
    at = at or timezone.now() - timedelta(minutes=1)
    return {
        "kind": "mention",
        "source": "instagram",
        "external_id": external_id,
        "observed_at": at if isinstance(at, str) else at.isoformat(),
        **fields,
    }


def send(bw: Any, items: list[dict[str, Any]], client: Any = None) -> Any:
    return (client or integrator(bw)).post(url(bw, "signals/"), {"signals": items}, format="json")


def stored(bw: Any) -> list[tuple]:
    with schema_context(bw.brand.schema_name):
        return list(
            Signal.objects.order_by("source", "external_id").values_list(
                "source", "external_id", "kind", "value"
            )
        )


def audience(bw: Any, name: str = "Commuters", active_hours: list[str] | None = None) -> int:
    with schema_context(bw.brand.schema_name):
        return AudienceProfile.objects.create(name=name, active_hours=active_hours or []).pk


def channel(bw: Any) -> int:
    with schema_context(bw.brand.schema_name):
        return Channel.objects.create(
            network="instagram",
            handle="alpine",
            max_length=2200,
            max_hashtags=30,
            links_allowed=False,
        ).pk


def briefs(bw: Any) -> list[Brief]:
    with schema_context(bw.brand.schema_name):
        return list(Brief.objects.select_related("audience").order_by("pk"))


T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
