"""What a brand crisis does to boosts: new and active boosts are held (active ones paused),
and standing down releases exactly what the crisis held."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from media.models import Boost
from media.services.attention import sync_boost_attention
from media.services.boosts import CRISIS_HOLD_NOTE, offer_for_approval
from tenants.audit import services as audit
from tenants.audit.models import AuditAction

HELD_STATUSES = [
    Boost.Status.PROPOSED,
    Boost.Status.PENDING_APPROVAL,
    Boost.Status.APPROVED,
    Boost.Status.ACTIVE,
]


def hold_boosts_for_crisis() -> int:
    """Hold every boost that has not finished; active ones are paused for the crisis. Returns
    how many boosts were held."""
    with transaction.atomic():
        rows = Boost.objects.select_for_update().filter(status__in=HELD_STATUSES, crisis_hold=False)
        ids = list(rows.values_list("pk", flat=True))
        Boost.objects.filter(pk__in=ids, status=Boost.Status.ACTIVE).update(
            status=Boost.Status.PAUSED,
            pause_reason=Boost.PauseReason.CRISIS,
            status_note="Paused: the brand is in crisis.",
            updated_at=timezone.now(),
        )
        Boost.objects.filter(pk__in=ids).update(crisis_hold=True)
        for boost in Boost.objects.filter(pk__in=ids).order_by("pk"):
            audit.record(
                action=AuditAction.BOOST_HELD,
                subject=boost,
                after=audit.fields_of(row=boost, names=("status", "crisis_hold")),
                detail="The brand is in crisis.",
            )
        sync_boost_attention()
    return len(ids)


def release_crisis_hold(*, now: datetime | None = None) -> int:
    """Stand down: boosts the crisis paused deliver again (those whose schedule ended meanwhile
    complete), held proposals go for sign-off, approved ones may start. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        held = list(Boost.objects.select_for_update().filter(crisis_hold=True).order_by("pk"))
        Boost.objects.filter(pk__in=[b.pk for b in held]).update(crisis_hold=False)
        for boost in held:
            if boost.status == Boost.Status.PAUSED and boost.pause_reason == "crisis":
                ended = boost.ends_at <= now
                Boost.objects.filter(pk=boost.pk).update(
                    status=Boost.Status.COMPLETED if ended else Boost.Status.ACTIVE,
                    pause_reason="",
                    status_note="" if not ended else "Ended during the crisis.",
                    updated_at=now,
                )
            elif boost.status == Boost.Status.PROPOSED and boost.submitted_at is None:
                boost.crisis_hold = False
                Boost.objects.filter(pk=boost.pk).update(status_note="")
                offer_for_approval(boost=boost, now=now)
            elif boost.status_note == CRISIS_HOLD_NOTE:
                Boost.objects.filter(pk=boost.pk).update(status_note="")
            audit.record(
                action=AuditAction.BOOST_RELEASED,
                subject=boost,
                before={"status": boost.status},
                after=audit.fields_of(
                    row=Boost.objects.get(pk=boost.pk), names=("status", "crisis_hold")
                ),
                detail="The crisis stood down.",
            )
        sync_boost_attention()
    return len(held)
