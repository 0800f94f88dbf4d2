"""Raising a boost alert: stored once per (boost, kind, key), then announced on commit with
the ``media.signals.boost_alert`` signal (for webhooks) and an email to the brand's media
specialists and account leads."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from media.models import Boost, BoostAlert
from media.signals import boost_alert
from tenants.models import Brand, Membership
from tenants.roles import Role

logger = logging.getLogger(__name__)

ALERT_RECIPIENT_ROLES = [Role.MEDIA_SPECIALIST, Role.ACCOUNT_LEAD]


def alert_recipients(*, brand: Brand) -> list[str]:
    """Email addresses of the brand's media specialists and account leads."""
    return sorted(
        Membership.objects.filter(brand=brand, role__in=ALERT_RECIPIENT_ROLES)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _announce(*, brand: Brand, alert: BoostAlert) -> None:
    boost_alert.send(
        sender=BoostAlert,
        brand=brand,
        boost_id=alert.boost_id,
        alert_id=alert.pk,
        kind=alert.kind,
        message=alert.message,
    )
    recipients = alert_recipients(brand=brand)
    if recipients:
        send_mail(
            subject=f"[{brand.name}] Boost #{alert.boost_id}: {alert.get_kind_display()}",
            message=f"{alert.message}\n\nBoost: {settings.PUBLIC_BASE_URL}/brands/{brand.slug}"
            f"/api/v1/boosts/{alert.boost_id}/",
            from_email=None,
            recipient_list=recipients,
        )


def raise_alert(*, brand: Brand, boost: Boost, kind: str, key: str, message: str) -> bool:
    """Record the alert unless it was already raised; True when it is new. Call with the boost
    row locked so two snapshots at once cannot both raise it."""
    alert, created = BoostAlert.objects.get_or_create(
        boost=boost, kind=kind, key=key, defaults={"message": message}
    )
    if created:
        # robust: a mail server being down must not undo or fail the integrator's push;
        # the failure is logged and the alert stays readable through the API.
        transaction.on_commit(lambda: _announce(brand=brand, alert=alert), robust=True)
    return created
