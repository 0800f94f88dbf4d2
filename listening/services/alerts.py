"""Alerts in the cockpit: an ``alert`` firing waits in the cross-brand cockpit of the people on
duty (the leads when nobody was) until one of them acknowledges it.

The brand's ``TriggerAlert`` rows are the truth; the cockpit's public attention rows follow them
in the same transaction (``sync_attention``) and from the outbox reconciler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from listening.errors import ListeningError, NotFound
from listening.models import TriggerAlert, TriggerFiring
from tenants.attention.models import AttentionKind
from tenants.attention.services import Attention, sync_attention
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.roles import LEADS
from tenants.selectors import current_brand


def _collect(alert_ids: list[int] | None) -> list[Attention]:
    slug = current_brand().slug
    rows = TriggerAlert.objects.filter(status=TriggerAlert.Status.OPEN).select_related(
        "firing__trigger"
    )
    if alert_ids is not None:
        rows = rows.filter(pk__in=alert_ids)
    return [
        Attention(
            kind=AttentionKind.TRIGGER_ALERT,
            source_id=alert.pk,
            title=alert.title,
            link=f"/brands/{slug}/api/v1/listening/alerts/{alert.pk}/",
            since=alert.raised_at,
            # The people on duty when it fired; the leads when nobody was.
            roles=() if alert.on_duty_ids else sorted(LEADS),
            user_ids=alert.on_duty_ids,
        )
        for alert in rows.order_by("pk")
    ]


def sync_alert_attention(*, alert_ids: list[int] | None = None) -> int:
    """Make the brand's alert rows in the cockpit match its open alerts (only ``alert_ids``'
    rows when given); rows changed."""
    return sync_attention(
        kinds={AttentionKind.TRIGGER_ALERT},
        collect=lambda: _collect(alert_ids),
        source_ids=alert_ids,
    )


def raise_alert(
    *, firing: TriggerFiring, title: str, on_duty_ids: list[int], now: datetime
) -> TriggerAlert:
    """Put the firing's alert in the cockpit of ``on_duty_ids`` (the leads' when empty), with
    the firing's inputs as its evidence. Runs in the firing's transaction."""
    alert = TriggerAlert.objects.create(
        firing=firing,
        title=title[:300],
        evidence={"trigger_id": firing.trigger_id, **firing.inputs},
        raised_at=now,
        on_duty_ids=sorted(set(on_duty_ids)),
    )
    sync_alert_attention(alert_ids=[alert.pk])
    return alert


def acknowledge_alert(
    *, alert_id: int, actor_id: int | None, now: datetime | None = None
) -> TriggerAlert:
    """Mark the alert seen: it leaves the cockpit, and the acknowledgement is audited. A
    second acknowledgement is a 409 naming who acknowledged it first (nothing changes)."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = (
            TriggerAlert.objects.select_for_update()
            .select_related("firing__trigger")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None:
            raise NotFound(f"There is no alert {alert_id}.")
        if alert.status != TriggerAlert.Status.OPEN:
            raise ListeningError(
                f"The alert was already acknowledged at {alert.acknowledged_at:%Y-%m-%d %H:%M} "
                f"UTC by person {alert.acknowledged_by_id}.",
                status_code=409,
                code="already_acknowledged",
            )
        alert.status = TriggerAlert.Status.ACKNOWLEDGED
        alert.acknowledged_by_id = actor_id
        alert.acknowledged_at = now
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        sync_alert_attention(alert_ids=[alert.pk])
        after: dict[str, Any] = {
            "alert": alert.pk,
            "firing": alert.firing_id,
            "trigger": alert.firing.trigger_id,
            "status": alert.status,
            "acknowledged_at": now,
        }
        audit.record(
            action=AuditAction.TRIGGER_ALERT_ACKNOWLEDGED,
            subject=alert,
            before={"status": TriggerAlert.Status.OPEN},
            after=after,
        )
    return alert
