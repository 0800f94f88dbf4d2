"""Media's rows in the cockpit's attention rollup: paused boosts and running boosts off pace.

Synced whenever a boost moves or a pacing alert is raised, in the same transaction, and by
the reconciler (which also lets an old alert age out)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max, Q
from django.utils import timezone

from media.models import Boost, BoostAlert
from tenants.attention.models import AttentionKind
from tenants.attention.services import Attention, sync_attention
from tenants.selectors import current_brand

KINDS = frozenset({AttentionKind.BOOST_PAUSED, AttentionKind.BOOST_OFF_PACE})
# A running boost is off pace while it had an overspend or under-delivery alert this recently.
OFF_PACE_HOURS = 48
OFF_PACE_ALERTS = (BoostAlert.Kind.OVERSPEND, BoostAlert.Kind.UNDER_DELIVERY)


def _collect() -> list[Attention]:
    slug = current_brand().slug
    items: list[Attention] = []
    for boost in Boost.objects.filter(status=Boost.Status.PAUSED).order_by("pk"):
        reason = boost.get_pause_reason_display() or "paused"
        items.append(
            Attention(
                kind=AttentionKind.BOOST_PAUSED,
                source_id=boost.pk,
                title=f"Boost #{boost.pk} paused ({reason.lower()}): {boost.status_note}"[:300],
                link=f"/brands/{slug}/api/v1/boosts/{boost.pk}/",
                since=boost.updated_at,
                user_ids=[boost.proposed_by_id] if boost.proposed_by_id else [],
            )
        )
    recent = timezone.now() - timedelta(hours=OFF_PACE_HOURS)
    off_pace = (
        Boost.objects.filter(status=Boost.Status.ACTIVE)
        .annotate(
            last_alert=Max(
                "alerts__created_at",
                filter=Q(alerts__kind__in=OFF_PACE_ALERTS, alerts__created_at__gte=recent),
            )
        )
        .filter(last_alert__isnull=False)
        .order_by("pk")
    )
    for boost in off_pace:
        alert = (
            BoostAlert.objects.filter(boost=boost, kind__in=OFF_PACE_ALERTS)
            .order_by("-created_at", "-pk")
            .first()
        )
        items.append(
            Attention(
                kind=AttentionKind.BOOST_OFF_PACE,
                source_id=boost.pk,
                title=f"Boost #{boost.pk} off pace: {alert.message if alert else ''}",
                link=f"/brands/{slug}/api/v1/boosts/{boost.pk}/",
                since=boost.last_alert,
                user_ids=[boost.proposed_by_id] if boost.proposed_by_id else [],
            )
        )
    return items


def sync_boost_attention() -> int:
    """Make the brand's paused and off-pace boost rows match its boosts; rows changed."""
    return sync_attention(kinds=KINDS, collect=_collect)
