"""Raising a boost alert: stored once per (boost, kind, key) and announced with it (the
``media.boost_alert`` outbox event, for webhooks), and emailed from the worker to the brand's
media specialists and account leads."""

from __future__ import annotations

from django.conf import settings

from media import announcements
from media.models import Boost, BoostAlert
from media.services.attention import sync_boost_attention
from outbox.notifications import email_people
from outbox.services import record_event
from tenants.models import Brand
from tenants.roles import Role

ALERT_RECIPIENT_ROLES = [Role.MEDIA_SPECIALIST, Role.ACCOUNT_LEAD]


def raise_alert(*, brand: Brand, boost: Boost, kind: str, key: str, message: str) -> bool:
    """Record the alert unless it was already raised; True when it is new. Call with the boost
    row locked so two snapshots at once cannot both raise it."""
    alert, created = BoostAlert.objects.get_or_create(
        boost=boost, kind=kind, key=key, defaults={"message": message}
    )
    if created:
        sync_boost_attention()
        record_event(
            name=announcements.BOOST_ALERT,
            payload={
                "boost_id": alert.boost_id,
                "alert_id": alert.pk,
                "kind": alert.kind,
                "message": alert.message,
            },
        )
        email_people(
            roles=ALERT_RECIPIENT_ROLES,
            subject=f"Boost #{alert.boost_id}: {alert.get_kind_display()}",
            body=f"{alert.message}\n\nBoost: {settings.PUBLIC_BASE_URL}/brands/{brand.slug}"
            f"/api/v1/boosts/{alert.boost_id}/",
        )
    return created
