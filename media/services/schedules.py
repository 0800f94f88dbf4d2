"""The clock side of boosts: approved boosts start when their start time comes (and expire when
their schedule passed before they ever started), delivered boosts complete when their end has
passed, and running boosts are checked for pacing even when no new results arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from approvals.selectors import brand_in_crisis
from media.models import Boost
from media.services.boosts import lock_boost, move_boost
from media.services.results import check_boost_spend
from tenants.models import Brand

# An approved boost cannot complete without having run (see Boost.TRANSITIONS): one whose
# schedule is over is cancelled, and being cancelled with nothing spent it holds no budget.
EXPIRED_NOTE = "Expired: its schedule ended before it was started; its budget is released."


@dataclass(frozen=True)
class ScheduleRun:
    started: int
    expired: int
    completed: int
    checked: int


def advance_boost_schedules(*, brand: Brand, now: datetime | None = None) -> ScheduleRun:
    """Start due approved boosts (not while a crisis holds them), expire approved boosts whose
    schedule ended before they started, complete boosts whose end has passed, and run the
    pacing checks on the rest. Safe to run twice: every move is conditional on the status it
    expects."""
    now = now or timezone.now()
    in_crisis = brand_in_crisis()
    started = completed = checked = 0
    due = Boost.objects.filter(status=Boost.Status.APPROVED, starts_at__lte=now, ends_at__gt=now)
    if not in_crisis:
        for boost_id in due.filter(crisis_hold=False).values_list("pk", flat=True):
            started += Boost.objects.filter(
                pk=boost_id, status=Boost.Status.APPROVED, crisis_hold=False
            ).update(status=Boost.Status.ACTIVE, updated_at=now)
    # One conditional UPDATE: a boost started or cancelled meanwhile no longer matches. As with
    # paused boosts below, one a crisis holds is left to the stand-down; the next run expires it.
    expired = Boost.objects.filter(
        status=Boost.Status.APPROVED, ends_at__lte=now, crisis_hold=False
    ).update(status=Boost.Status.CANCELLED, status_note=EXPIRED_NOTE, updated_at=now)
    # Paused boosts stay paused past their end only while a crisis holds them (stand-down
    # completes them); otherwise their time is up.
    over = Boost.objects.filter(
        status__in=[Boost.Status.ACTIVE, Boost.Status.PAUSED], ends_at__lte=now, crisis_hold=False
    )
    for boost_id in over.values_list("pk", flat=True):
        with transaction.atomic():
            boost = lock_boost(boost_id=boost_id)
            if boost.status in (Boost.Status.ACTIVE, Boost.Status.PAUSED):
                move_boost(
                    boost_id=boost_id,
                    to=Boost.Status.COMPLETED,
                    allowed_from=[boost.status],
                    status_note="Completed: the schedule ended.",
                )
                completed += 1
    running = Boost.objects.filter(status=Boost.Status.ACTIVE, starts_at__lte=now)
    for boost_id in running.values_list("pk", flat=True):
        with transaction.atomic():
            boost = lock_boost(boost_id=boost_id)
            if boost.status == Boost.Status.ACTIVE:
                check_boost_spend(brand=brand, boost=boost, now=now, day_of=now)
                checked += 1
    return ScheduleRun(started=started, expired=expired, completed=completed, checked=checked)
