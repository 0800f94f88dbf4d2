"""The event types a brand emits to its webhooks: the one list other apps and integrators use."""

from __future__ import annotations

from django.db import models


class EventType(models.TextChoices):
    DRAFT_READY = "draft.ready"
    DRAFT_FAILED = "draft.failed"
    DRAFT_HELD = "draft.held"
    DRAFT_RELEASED = "draft.released"
    DRAFT_DROPPED = "draft.dropped"
    DRAFT_SUPERSEDED = "draft.superseded"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_DECIDED = "approval.decided"
    APPROVAL_ESCALATED = "approval.escalated"
    INCIDENT_OPENED = "incident.opened"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_CLOSED = "incident.closed"
    BOOST_ALERT = "boost.alert"
    POST_PUBLISHED = "post.published"
    KPI_OFF_TRACK = "kpi.off_track"
    TRIGGER_FIRED = "trigger.fired"
    CRISIS_WARNING = "crisis.warning"
    REVIEW_READY = "review.ready"
    REVIEW_ACTION_OVERDUE = "review_action.overdue"
    DRAFT_DUE = "draft.due"
    PLAN_ITEM_DUE = "plan_item.due"


DRAFT_READY = EventType.DRAFT_READY.value
DRAFT_FAILED = EventType.DRAFT_FAILED.value
DRAFT_HELD = EventType.DRAFT_HELD.value
DRAFT_RELEASED = EventType.DRAFT_RELEASED.value
DRAFT_DROPPED = EventType.DRAFT_DROPPED.value
DRAFT_SUPERSEDED = EventType.DRAFT_SUPERSEDED.value
APPROVAL_REQUESTED = EventType.APPROVAL_REQUESTED.value
APPROVAL_DECIDED = EventType.APPROVAL_DECIDED.value
APPROVAL_ESCALATED = EventType.APPROVAL_ESCALATED.value
INCIDENT_OPENED = EventType.INCIDENT_OPENED.value
INCIDENT_UPDATED = EventType.INCIDENT_UPDATED.value
INCIDENT_CLOSED = EventType.INCIDENT_CLOSED.value
BOOST_ALERT = EventType.BOOST_ALERT.value
POST_PUBLISHED = EventType.POST_PUBLISHED.value
KPI_OFF_TRACK = EventType.KPI_OFF_TRACK.value
TRIGGER_FIRED = EventType.TRIGGER_FIRED.value
CRISIS_WARNING = EventType.CRISIS_WARNING.value
REVIEW_READY = EventType.REVIEW_READY.value
REVIEW_ACTION_OVERDUE = EventType.REVIEW_ACTION_OVERDUE.value
DRAFT_DUE = EventType.DRAFT_DUE.value
PLAN_ITEM_DUE = EventType.PLAN_ITEM_DUE.value

ALL_EVENT_TYPES: frozenset[str] = frozenset(EventType.values)
