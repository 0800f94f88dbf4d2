"""Overdue review actions: the owner is reminded once when an open action's due day has
passed, and the brand's account leads are told once if it is still open a while later (like
approvals' reminders and escalations). Emails go out from the worker after the commit through
the one notification service; integrators hear ``review_action.overdue`` once per action.

Only actions of open reviews count: a closed review is frozen and its actions can no longer be
applied. The sweep locks the actions it handles (skipping ones another sweep holds) and marks
them in the same transaction as the emails and the announcement, so a second sweep, at once or
later, sends nothing again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from outbox.notifications import email_people
from outbox.services import record_event
from planning import announcements, horizon
from planning.models import Review, ReviewAction
from tenants.models import Brand
from tenants.roles import Role

# How long after the owner's reminder an action still open goes to the account leads.
ESCALATE_AFTER = timedelta(days=2)


@dataclass
class OverdueOutcome:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def _page(brand: Brand, action: ReviewAction) -> str:
    return f"{settings.PUBLIC_BASE_URL}/brands/{brand.slug}/reviews/{action.review_id}/"


def remind_overdue_actions(*, brand: Brand, now: datetime | None = None) -> OverdueOutcome:
    """Remind the owners of actions past their due day (the leads when nobody owns one) and
    escalate to the account leads those reminded ``ESCALATE_AFTER`` ago and still open."""
    now = now or timezone.now()
    today = horizon.local_today(now=now, tz_name=brand.timezone)
    outcome = OverdueOutcome()
    with transaction.atomic():
        due = (
            ReviewAction.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=ReviewAction.Status.OPEN,
                review__status=Review.Status.OPEN,
                due_on__lt=today,
                reminded_at__isnull=True,
            )
            .order_by("due_on", "id")
        )
        for action in due:
            late = (today - action.due_on).days
            body = (
                f'The review action "{action.title}" was due on {action.due_on:%Y-%m-%d} '
                f"({late} day{'s' if late != 1 else ''} ago) and is still open.\n\n"
                f"Apply it, or change its due day, from the review: {_page(brand, action)}"
            )
            subject = f"Review action overdue: {action.title}"
            if action.owner_id is not None:
                sent = email_people(subject=subject, body=body, user_ids=[action.owner_id])
            else:
                sent = []
            if not sent:
                # Nobody (left) to remind: the leads hear of it at once.
                email_people(subject=subject, body=body, roles=[Role.ACCOUNT_LEAD])
            action.reminded_at = now
            action.save(update_fields=["reminded_at"])
            record_event(
                name=announcements.REVIEW_ACTION_OVERDUE,
                payload={
                    "review_action_id": action.pk,
                    "review_id": action.review_id,
                    "title": action.title,
                    "kind": action.kind,
                    "owner_id": action.owner_id,
                    "due_on": action.due_on.isoformat(),
                    "days_overdue": late,
                },
            )
            outcome.reminded.append(action.pk)
        stale = (
            ReviewAction.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=ReviewAction.Status.OPEN,
                review__status=Review.Status.OPEN,
                reminded_at__lte=now - ESCALATE_AFTER,
                escalated_at__isnull=True,
            )
            .order_by("due_on", "id")
        )
        for action in stale:
            email_people(
                subject=f"Review action still open: {action.title}",
                body=(
                    f'The review action "{action.title}" was due on {action.due_on:%Y-%m-%d}; '
                    f"its owner was reminded on {action.reminded_at:%Y-%m-%d} and it is still "
                    f"open.\n\nThe review: {_page(brand, action)}"
                ),
                roles=[Role.ACCOUNT_LEAD],
            )
            action.escalated_at = now
            action.save(update_fields=["escalated_at"])
            outcome.escalated.append(action.pk)
    return outcome
