"""How the brand's events come about: receivers on the other apps' signals record them with
``emit_event``, so content, approvals and media never import integrations.

Every signal here is sent after its transaction committed. The brand is the one the signal
names (``schema_name`` on the content signals and ``approval_decided``, ``brand`` in
``approval_event`` payloads, the Brand on ``boost_alert``) or else the schema the connection is
on: in production the senders' on-commit callbacks run inside the request, the worker message
or the sweep's ``schema_context`` of that brand, so both agree. A signal heard on
the public schema cannot be placed, so it is logged and skipped; a failure to record an event
is logged and never breaks the sender (whose change is committed already). Payloads are listed
in docs/webhooks.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from approvals.signals import approval_decided, approval_event
from brandroom.datetimes import api_datetime
from content.signals import draft_failed, draft_published, draft_ready
from integrations import events
from media.signals import boost_alert
from tenants.models import Brand

logger = logging.getLogger(__name__)

# approvals' event kinds that integrators hear about, and as what.
APPROVAL_EVENT_TYPES = {
    "request_opened": events.APPROVAL_REQUESTED,
    "draft_held": events.DRAFT_HELD,
    "draft_released": events.DRAFT_RELEASED,
    # Closed without a decision: the same event as a decided request, outcome "withdrawn".
    "request_withdrawn": events.APPROVAL_DECIDED,
    "step_escalated": events.APPROVAL_ESCALATED,
    "incident_opened": events.INCIDENT_OPENED,
    "incident_updated": events.INCIDENT_UPDATED,
    "incident_closed": events.INCIDENT_CLOSED,
}


@contextmanager
def _in_brand(schema_name: str | None, *, what: str) -> Iterator[Brand | None]:
    """Activate the brand ``schema_name`` (or the current one); yields None when there is no
    brand to put the event in."""
    schema = schema_name or connection.schema_name
    brand = None
    if schema and schema != get_public_schema_name():
        brand = Brand.objects.filter(schema_name=schema).first()
    if brand is None:
        logger.warning("Webhook event for %s skipped: no brand (schema %r)", what, schema)
        yield None
        return
    with schema_context(brand.schema_name):
        yield brand


def _url(brand: Brand, path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/brands/{brand.slug}/api/v1/{path}"


Payload = Callable[[Brand], dict[str, Any]]


def _emit(event_type: str, data: Payload, *, schema_name: str | None = None) -> None:
    from integrations.services import emit_event

    try:
        with _in_brand(schema_name, what=event_type) as brand:
            if brand is not None:
                emit_event(event_type=event_type, data=_api_times(data(brand), brand))
    except Exception:
        logger.exception("Could not record the %s webhook event", event_type)


def _api_times(data: dict[str, Any], brand: Brand) -> dict[str, Any]:
    """Times written as the API writes them for this brand, so they compare equal."""
    return {
        key: api_datetime(value, tz_name=brand.timezone) if isinstance(value, datetime) else value
        for key, value in data.items()
    }


def _draft_data(draft_id: int) -> Payload:
    def build(brand: Brand) -> dict[str, Any]:
        from content.selectors import get_draft

        draft = get_draft(draft_id=draft_id)
        return {
            "draft_id": draft.pk,
            "kind": draft.kind,
            "status": draft.status,
            "version": draft.version,
            "channel_id": draft.channel_id,
            "inbox_item_id": draft.inbox_item_id,
            "job_id": draft.job_id,
            "risk_score": draft.risk_score,
            "flags": list(draft.flags),
            "created_at": draft.created_at,
            "url": _url(brand, f"drafts/{draft.pk}/"),
        }

    return build


def on_draft_ready(
    sender: Any, *, draft_id: int, schema_name: str | None = None, **kwargs: Any
) -> None:
    _emit(events.DRAFT_READY, _draft_data(draft_id), schema_name=schema_name)


def on_draft_failed(
    sender: Any,
    *,
    job_id: int,
    code: str,
    reason: str,
    schema_name: str | None = None,
    **kwargs: Any,
) -> None:
    _emit(
        events.DRAFT_FAILED,
        lambda brand: {
            "job_id": job_id,
            "code": code,
            "reason": reason,
            "url": _url(brand, f"jobs/{job_id}/"),
        },
        schema_name=schema_name,
    )


def on_draft_published(
    sender: Any, *, draft_id: int, schema_name: str | None = None, **kwargs: Any
) -> None:
    def build(brand: Brand) -> dict[str, Any]:
        from content.selectors import get_draft

        draft = get_draft(draft_id=draft_id)
        return {
            **_draft_data(draft_id)(brand),
            "external_id": draft.external_id,
            "external_url": draft.external_url,
            "published_at": draft.published_at,
        }

    _emit(events.POST_PUBLISHED, build, schema_name=schema_name)


def _subject_url(brand: Brand, subject_kind: str, subject_id: int) -> str:
    path = f"boosts/{subject_id}/" if subject_kind == "boost" else f"drafts/{subject_id}/"
    return _url(brand, path)


def on_approval_decided(
    sender: Any,
    *,
    subject_kind: str,
    subject_id: int,
    outcome: str,
    request_id: int | None = None,
    schema_name: str | None = None,
    **kwargs: Any,
) -> None:
    _emit(
        events.APPROVAL_DECIDED,
        lambda brand: {
            "request_id": request_id,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "outcome": outcome,
            "subject_url": _subject_url(brand, subject_kind, subject_id),
            "url": _url(brand, f"approvals/requests/{request_id}/") if request_id else None,
        },
        schema_name=schema_name,
    )


def on_approval_event(sender: Any, *, kind: str, payload: dict[str, Any], **kwargs: Any) -> None:
    event_type = APPROVAL_EVENT_TYPES.get(kind)
    if event_type is None:
        return  # reminders and the like are for people, not integrators
    body = {k: v for k, v in payload.items() if k != "brand"}

    def build(brand: Brand) -> dict[str, Any]:
        if "draft_id" in body:
            return {**body, "url": _url(brand, f"drafts/{body['draft_id']}/")}
        if "incident_id" in body:
            return {**body, "url": _url(brand, f"approvals/incidents/{body['incident_id']}/")}
        data = {**body, "url": _url(brand, f"approvals/requests/{body['request_id']}/")}
        if "subject_kind" in body:
            data["subject_url"] = _subject_url(brand, body["subject_kind"], body["subject_id"])
        return data

    _emit(event_type, build, schema_name=payload.get("brand"))


def on_boost_alert(
    sender: Any,
    *,
    brand: Brand,
    boost_id: int,
    alert_id: int,
    kind: str,
    message: str,
    **kwargs: Any,
) -> None:
    _emit(
        events.BOOST_ALERT,
        lambda b: {
            "boost_id": boost_id,
            "alert_id": alert_id,
            "kind": kind,
            "message": message,
            "url": _url(b, f"boosts/{boost_id}/"),
        },
        schema_name=brand.schema_name,
    )


def connect() -> None:
    """Listen to the other apps' signals; called from IntegrationsConfig.ready."""
    draft_ready.connect(on_draft_ready, dispatch_uid="integrations.on_draft_ready")
    draft_failed.connect(on_draft_failed, dispatch_uid="integrations.on_draft_failed")
    draft_published.connect(on_draft_published, dispatch_uid="integrations.on_draft_published")
    approval_decided.connect(on_approval_decided, dispatch_uid="integrations.on_approval_decided")
    approval_event.connect(on_approval_event, dispatch_uid="integrations.on_approval_event")
    boost_alert.connect(on_boost_alert, dispatch_uid="integrations.on_boost_alert")
