"""Content's rows in the cockpit's attention rollup: failed AI jobs (and, with the inbox work
queue, unanswered inbox items). Synced in the transaction that changes them and by the
reconciler."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from content.models import INBOX_OPEN, GenerationJob, InboxItem
from tenants.attention.models import AttentionKind
from tenants.attention.services import Attention, sync_attention
from tenants.selectors import current_brand

# A failed job waits for someone this long; after that it is history, not work.
FAILED_JOB_DAYS = 7


def _failed_jobs() -> list[Attention]:
    slug = current_brand().slug
    since = timezone.now() - timedelta(days=FAILED_JOB_DAYS)
    jobs = GenerationJob.objects.filter(
        status=GenerationJob.Status.FAILED, finished_at__gte=since
    ).order_by("pk")
    return [
        Attention(
            kind=AttentionKind.AI_JOB_FAILED,
            source_id=job.pk,
            title=f"{job.get_kind_display()} job #{job.pk} failed: {job.failure_reason}",
            link=f"/brands/{slug}/api/v1/jobs/{job.pk}/",
            since=job.finished_at or job.created_at,
            user_ids=[job.created_by_id] if job.created_by_id else [],
        )
        for job in jobs
    ]


def sync_job_attention() -> int:
    """Make the brand's failed-job rows match its jobs that failed in the last week."""
    return sync_attention(kinds={AttentionKind.AI_JOB_FAILED}, collect=_failed_jobs)


# Whoever is not the assignee sees an assigned item only if they lead the brand.
LEADS_ONLY = ("agency_admin", "account_lead")


def _inbox_items(item_ids: list[int] | None) -> list[Attention]:
    slug = current_brand().slug
    items = InboxItem.objects.filter(status__in=INBOX_OPEN, reply_due_at__isnull=False)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    return [
        Attention(
            kind=AttentionKind.INBOX_ITEM,
            source_id=item.pk,
            title=f"{item.get_priority_display()} {item.kind} from @{item.author_handle}: "
            f"{item.text[:120]}",
            link=f"/brands/{slug}/api/v1/inbox/{item.pk}/",
            since=item.received_at,
            due_at=item.reply_due_at,
            roles=LEADS_ONLY if item.assignee_id else None,
            user_ids=[item.assignee_id] if item.assignee_id else [],
        )
        for item in items.order_by("pk")
    ]


def sync_inbox_attention(*, item_ids: list[int] | None = None) -> int:
    """Make the brand's inbox rows match its unanswered items (only ``item_ids``' rows when
    given). The cockpit lists an item once its reply deadline has passed."""
    return sync_attention(
        kinds={AttentionKind.INBOX_ITEM},
        collect=lambda: _inbox_items(item_ids),
        source_ids=item_ids,
    )


def sync_content_attention() -> int:
    """Everything content keeps in the rollup (the reconciler's entry); rows changed."""
    return sync_job_attention() + sync_inbox_attention()
