"""How the brand's events come about: handlers for the other apps' outbox events record them
with ``emit_event``, so content, approvals and media never import integrations.

Each handler runs on the worker, in the brand the outbox event was written in, once per event
(see outbox.handlers), in the transaction that notes it done: the webhook event and its
deliveries are recorded exactly once, or not at all and tried again. A webhook event keeps the
time of the change that caused it, so ordering events by ``created_at`` gives the order things
happened in, whatever order the worker ran the reactions in. Payloads are listed in
docs/webhooks.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from approvals import announcements as approvals_announcements
from assets import selectors as asset_selectors
from assets.errors import NotFound
from brandroom.datetimes import api_datetime
from content import announcements as content_announcements
from integrations import events
from listening import announcements as listening_announcements
from media import announcements as media_announcements
from media import selectors as media_selectors
from media.models import Boost
from outbox import handlers
from outbox.models import OutboxEvent
from planning import announcements as planning_announcements
from results import announcements as results_announcements
from tenants.models import Brand
from tenants.selectors import current_brand

logger = logging.getLogger(__name__)

# approvals' notice kinds that integrators hear about, and as what.
APPROVAL_EVENT_TYPES = {
    "request_opened": events.APPROVAL_REQUESTED,
    "draft_held": events.DRAFT_HELD,
    "draft_released": events.DRAFT_RELEASED,
    # Another variant of the same job was approved in its place.
    "draft_dropped": events.DRAFT_DROPPED,
    # Closed without a decision: the same event as a decided request, outcome "withdrawn".
    "request_withdrawn": events.APPROVAL_DECIDED,
    "step_escalated": events.APPROVAL_ESCALATED,
    "incident_opened": events.INCIDENT_OPENED,
    "incident_updated": events.INCIDENT_UPDATED,
    "incident_closed": events.INCIDENT_CLOSED,
}
# Payload fields that are times (written as JSON strings in the outbox).
TIME_FIELDS = {
    "created_at",
    "closed_at",
    "published_at",
    "fired_at",
    "target_at",
    "raised_at",
    "built_at",
    "publish_at",
}


def _url(brand: Brand, path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/brands/{brand.slug}/api/v1/{path}"


def _link(brand: Brand, collection: str, pk: int | None) -> str | None:
    return None if pk is None else _url(brand, f"{collection}/{pk}/")


# Builds an event's data in its brand; None when what it was about is gone (nothing to say).
Payload = Callable[[Brand], dict[str, Any] | None]


def _emit(event_type: str, data: Payload, *, cause: OutboxEvent) -> None:
    from integrations.services import emit_event

    brand = current_brand()
    built = data(brand)
    if built is None:
        logger.info("No %s event for %s: its subject no longer exists", event_type, cause)
        return
    emit_event(event_type=event_type, data=_api_times(built, brand), occurred_at=cause.created_at)


def _api_times(data: dict[str, Any], brand: Brand) -> dict[str, Any]:
    """Times written as the API writes them for this brand, so they compare equal."""
    written = {}
    for key, value in data.items():
        if isinstance(value, str) and key in TIME_FIELDS:
            value = parse_datetime(value) or value
        if isinstance(value, datetime):
            value = api_datetime(value, tz_name=brand.timezone)
        written[key] = value
    return written


def _draft_data(draft_id: int, *, status: str) -> Payload:
    def build(brand: Brand) -> dict[str, Any] | None:
        from content.selectors import drafts

        draft = drafts().filter(pk=draft_id).first()
        if draft is None:
            return None
        return {
            "draft_id": draft.pk,
            "kind": draft.kind,
            # As it was when the event happened (the draft may have moved on since).
            "status": status,
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


def on_draft_ready(event: OutboxEvent) -> None:
    _emit(events.DRAFT_READY, _draft_data(event.payload["draft_id"], status="ready"), cause=event)


def on_draft_failed(event: OutboxEvent) -> None:
    job_id = event.payload["job_id"]
    _emit(
        events.DRAFT_FAILED,
        lambda brand: {
            "job_id": job_id,
            "code": event.payload["code"],
            "reason": event.payload["reason"],
            "url": _url(brand, f"jobs/{job_id}/"),
        },
        cause=event,
    )


def on_draft_published(event: OutboxEvent) -> None:
    draft_id = event.payload["draft_id"]

    def build(brand: Brand) -> dict[str, Any] | None:
        from content.selectors import drafts

        draft = drafts().filter(pk=draft_id).first()
        if draft is None:
            return None
        return {
            **(_draft_data(draft_id, status="published")(brand) or {}),
            "external_id": draft.external_id,
            "external_url": draft.external_url,
            "published_at": draft.published_at,
        }

    _emit(events.POST_PUBLISHED, build, cause=event)


def on_draft_superseded(event: OutboxEvent) -> None:
    """An approved draft was edited before it went out: integrators that scheduled it must
    drop it and wait for the new version's approval."""
    draft_id = event.payload["draft_id"]
    newer = event.payload["superseded_by"]

    def build(brand: Brand) -> dict[str, Any] | None:
        data = _draft_data(draft_id, status="superseded")(brand)
        if data is None:
            return None
        return {
            **data,
            "superseded_by": newer,
            "superseded_by_url": _url(brand, f"drafts/{newer}/"),
        }

    _emit(events.DRAFT_SUPERSEDED, build, cause=event)


def _subject_url(brand: Brand, subject_kind: str, subject_id: int) -> str:
    path = f"boosts/{subject_id}/" if subject_kind == "boost" else f"drafts/{subject_id}/"
    return _url(brand, path)


def _media_of(brand: Brand, subject_kind: str, subject_id: int) -> list[dict[str, Any]]:
    """The subject's images and videos with signed, expiring URLs, so an integrator can fetch
    them to publish without credentials (a draft's, or a boost's creative)."""
    try:
        links: Sequence[asset_selectors.MediaLink] = (
            media_selectors.boost_assets(boost_id=subject_id)
            if subject_kind == "boost"
            else asset_selectors.draft_assets(draft_id=subject_id)
        )
    except (NotFound, Boost.DoesNotExist):
        return []
    media = asset_selectors.signed_media(
        links=links, brand_slug=brand.slug, base_url=settings.PUBLIC_BASE_URL
    )
    for item in media:
        item["expires_at"] = api_datetime(item["expires_at"], tz_name=brand.timezone)
    return media


def on_request_finished(event: OutboxEvent) -> None:
    payload = event.payload
    request_id = payload.get("request_id")

    def build(brand: Brand) -> dict[str, Any]:
        kind, subject_id = payload["subject_kind"], payload["subject_id"]
        data = {
            "request_id": request_id,
            "subject_kind": kind,
            "subject_id": subject_id,
            "outcome": payload["outcome"],
            "subject_url": _subject_url(brand, kind, subject_id),
            "url": _url(brand, f"approvals/requests/{request_id}/") if request_id else None,
        }
        if payload["outcome"] == "approved":
            # What was approved is what goes out: its media, fetchable by signed URL.
            data["assets"] = _media_of(brand, kind, subject_id)
            data["assets_url"] = _url(
                brand,
                f"boosts/{subject_id}/assets/"
                if kind == "boost"
                else f"drafts/{subject_id}/assets/",
            )
        return data

    _emit(events.APPROVAL_DECIDED, build, cause=event)


def on_approvals_notice(event: OutboxEvent) -> None:
    event_type = APPROVAL_EVENT_TYPES.get(event.payload["notice"])
    if event_type is None:
        return  # reminders and the like are for people, not integrators
    body = {k: v for k, v in event.payload.items() if k != "notice"}

    def build(brand: Brand) -> dict[str, Any]:
        if "draft_id" in body:
            return {**body, "url": _url(brand, f"drafts/{body['draft_id']}/")}
        if "incident_id" in body:
            return {**body, "url": _url(brand, f"approvals/incidents/{body['incident_id']}/")}
        data = {**body, "url": _url(brand, f"approvals/requests/{body['request_id']}/")}
        if "subject_kind" in body:
            data["subject_url"] = _subject_url(brand, body["subject_kind"], body["subject_id"])
        return data

    _emit(event_type, build, cause=event)


def on_boost_alert(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.BOOST_ALERT,
        lambda brand: {
            "boost_id": payload["boost_id"],
            "alert_id": payload["alert_id"],
            "kind": payload["kind"],
            "message": payload["message"],
            "url": _url(brand, f"boosts/{payload['boost_id']}/"),
        },
        cause=event,
    )


def on_kpi_off_track(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.KPI_OFF_TRACK,
        lambda brand: {**payload, "url": _url(brand, f"kpis/{payload['kpi_id']}/")},
        cause=event,
    )


def on_trigger_fired(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.TRIGGER_FIRED,
        lambda brand: {
            **payload,
            "url": _url(brand, f"listening/triggers/{payload['trigger_id']}/firings/"),
            # Links only to what the firing made: an alert or a boost has no brief.
            "brief_url": _link(brand, "briefs", payload.get("brief_id")),
            "plan_item_url": _link(brand, "plan/items", payload.get("plan_item_id")),
            # An alert action's alert, waiting in the cockpit of the person on duty.
            "alert_url": _link(brand, "listening/alerts", payload.get("alert_id")),
        },
        cause=event,
    )


def on_crisis_warning(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.CRISIS_WARNING,
        lambda brand: {**payload, "url": _url(brand, "listening/crisis-warnings/")},
        cause=event,
    )


def on_review_ready(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.REVIEW_READY,
        lambda brand: {
            **payload,
            "url": _url(brand, f"plan/reviews/{payload['review_id']}/"),
            # The staff review page (session sign-in), for a link in a chat message.
            "page_url": f"{settings.PUBLIC_BASE_URL}/brands/{brand.slug}/reviews/"
            f"{payload['review_id']}/",
        },
        cause=event,
    )


def on_review_action_overdue(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.REVIEW_ACTION_OVERDUE,
        lambda brand: {**payload, "url": _url(brand, f"plan/reviews/{payload['review_id']}/")},
        cause=event,
    )


def on_draft_due(event: OutboxEvent) -> None:
    draft_id = event.payload["draft_id"]

    def build(brand: Brand) -> dict[str, Any] | None:
        data = _draft_data(draft_id, status="approved")(brand)
        if data is None:
            return None
        return {**data, "publish_at": event.payload["publish_at"]}

    _emit(events.DRAFT_DUE, build, cause=event)


def on_plan_item_due(event: OutboxEvent) -> None:
    payload = event.payload
    _emit(
        events.PLAN_ITEM_DUE,
        lambda brand: {**payload, "url": _url(brand, f"plan/items/{payload['plan_item_id']}/")},
        cause=event,
    )


def connect() -> None:
    """React to the other apps' outbox events; called from IntegrationsConfig.ready."""
    for name, handler in [
        (content_announcements.DRAFT_READY, on_draft_ready),
        (content_announcements.DRAFT_FAILED, on_draft_failed),
        (content_announcements.DRAFT_PUBLISHED, on_draft_published),
        (content_announcements.DRAFT_SUPERSEDED, on_draft_superseded),
        (approvals_announcements.REQUEST_FINISHED, on_request_finished),
        (approvals_announcements.NOTICE, on_approvals_notice),
        (media_announcements.BOOST_ALERT, on_boost_alert),
        (results_announcements.KPI_OFF_TRACK, on_kpi_off_track),
        (listening_announcements.TRIGGER_FIRED, on_trigger_fired),
        (listening_announcements.CRISIS_WARNING, on_crisis_warning),
        (planning_announcements.REVIEW_READY, on_review_ready),
        (planning_announcements.REVIEW_ACTION_OVERDUE, on_review_action_overdue),
        (content_announcements.DRAFT_DUE, on_draft_due),
        (planning_announcements.ITEM_DUE, on_plan_item_due),
    ]:
        handlers.register(name, handler, key="integrations.webhook_event")
