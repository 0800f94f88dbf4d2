"""Alerts that ``alert`` triggers raised for the person on duty."""

from __future__ import annotations

from django.db.models import QuerySet

from listening.errors import NotFound
from listening.models import TriggerAlert


def alerts(*, status: str | None = None) -> QuerySet[TriggerAlert]:
    """The brand's trigger alerts with their firing and trigger, newest first."""
    rows = TriggerAlert.objects.select_related("firing__trigger").order_by("-raised_at", "-pk")
    return rows if status is None else rows.filter(status=status)


def get_alert(*, alert_id: int) -> TriggerAlert:
    """One alert, or a 404."""
    found = alerts().filter(pk=alert_id).first()
    if found is None:
        raise NotFound(f"There is no alert {alert_id}.")
    return found
