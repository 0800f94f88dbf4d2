"""Digests: each person's held, non-urgent notices (``DigestEntry``, written by
``notify.email_on_commit``) go out as one email once their interval has passed since the oldest,
outside their quiet hours."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django_tenants.utils import tenant_context

from approvals.models import DigestEntry, NotificationPreference
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.digests import digest_minutes_for
from approvals.selectors.rota import quiet_until
from approvals.services.audit import record
from outbox.notifications import email_people
from tenants.models import Brand

logger = logging.getLogger(__name__)


def set_digest_minutes(*, actor_id: int, digest_minutes: int, now: datetime) -> int:
    """Set how often the acting person gets their digest on this brand (0: every notice at
    once); held notices follow the new interval from the next run. Returns the interval."""
    with transaction.atomic():
        before = digest_minutes_for(user_ids=[actor_id])[actor_id]
        NotificationPreference.objects.update_or_create(
            user_id=actor_id, defaults={"digest_minutes": digest_minutes}
        )
        record(
            action="digest_interval_set",
            at=now,
            actor_id=actor_id,
            before={"digest_minutes": before},
            after={"digest_minutes": digest_minutes},
        )
    return digest_minutes


def send_due_digests(*, now: datetime) -> int:
    """Send every digest of the current brand that is due at ``now``; returns how many.

    A person's entries are claimed with SKIP LOCKED and marked sent in the transaction that
    writes their email (an outbox event), so two runs at once never send one twice. People in
    their quiet hours get theirs when they are back (as reminders are held for them)."""
    oldest = dict(
        DigestEntry.objects.filter(sent_at__isnull=True)
        .values("user_id")
        .annotate(oldest=Min("created_at"))
        .values_list("user_id", "oldest")
    )
    minutes = digest_minutes_for(user_ids=oldest)
    due = [i for i, first in oldest.items() if first + timedelta(minutes=minutes[i]) <= now]
    quiet = {} if brand_in_crisis() else quiet_until(user_ids=due, now=now)
    sent = 0
    for user_id in sorted(i for i in due if i not in quiet):
        with transaction.atomic():
            entries = list(
                DigestEntry.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, sent_at__isnull=True, created_at__lte=now)
                .order_by("created_at", "pk")
            )
            if not entries:
                continue  # another run has them
            count = len(entries)
            email_people(
                user_ids=[user_id],
                subject=f"Your digest: {count} update{'s' if count != 1 else ''}",
                body="\n\n".join(
                    f"{n}. {entry.subject}\n\n{entry.body.strip()}"
                    for n, entry in enumerate(entries, start=1)
                ),
            )
            DigestEntry.objects.filter(pk__in=[e.pk for e in entries]).update(sent_at=now)
            sent += 1
    return sent


def send_digests_everywhere(*, now: datetime) -> dict[str, int]:
    """Run ``send_due_digests`` in every active brand; returns digests sent per brand."""
    results: dict[str, int] = {}
    for brand in Brand.objects.filter(status=Brand.Status.ACTIVE).order_by("pk"):
        try:
            with tenant_context(brand):
                results[brand.slug] = send_due_digests(now=now)
        except Exception:
            # One brand's failure must not starve the others; its entries stay unsent and
            # the next run tries again.
            logger.exception("Digests failed for brand %s", brand.slug)
    return results
