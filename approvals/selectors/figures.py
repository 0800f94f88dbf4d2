"""Figures per brand: how fast and how reliably approvals are decided."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q

from approvals.models import DECIDED_VIA_API, ApprovalRequest, ApprovalStep, AuditEntry

DECIDED = ["approved", "rejected", "changes_requested"]


class Median(Aggregate):
    """PostgreSQL's continuous median of an expression."""

    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def approval_figures(*, since: datetime | None = None) -> dict[str, Any]:
    """Median time to decision, share of steps decided within their deadline, escalations."""
    requests = ApprovalRequest.objects.filter(status__in=DECIDED)
    steps = ApprovalStep.objects.filter(opened_at__isnull=False)
    if since is not None:
        requests = requests.filter(created_at__gte=since)
        steps = steps.filter(opened_at__gte=since)
    median = requests.aggregate(
        median=Median(
            ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField()),
            output_field=DurationField(),
        )
    )["median"]
    counts = steps.aggregate(
        finished=Count("pk", filter=Q(status__in=[*DECIDED, "expired"])),
        in_time=Count("pk", filter=Q(status__in=DECIDED, decided_at__lte=F("first_deadline_at"))),
        escalations=Count("pk", filter=Q(escalated_at__isnull=False)),
        expired=Count("pk", filter=Q(status="expired")),
    )
    if isinstance(median, (int, float)):
        median = timedelta(microseconds=median)
    return {
        "decided_requests": requests.count(),
        "median_minutes_to_decision": (
            round(median.total_seconds() / 60, 1) if median is not None else None
        ),
        "share_within_deadline": (
            round(counts["in_time"] / counts["finished"], 3) if counts["finished"] else None
        ),
        "escalations": counts["escalations"],
        "expired_steps": counts["expired"],
    }


def signoff_shares(*, since: datetime) -> dict[str, int]:
    """Requests since ``since``: how many the policy cleared with no sign-off and how many it
    sent to people (the autonomy the brand runs at, for its readiness)."""
    return ApprovalRequest.objects.filter(created_at__gte=since).aggregate(
        cleared=Count("pk", filter=Q(status="not_required")),
        signed=Count("pk", filter=~Q(status="not_required")),
    )


def decisions_made(*, since: datetime) -> list[tuple[int | None, str, datetime]]:
    """Each decision since ``since`` as (decider id, where it was made, when): ``via`` is
    ``api`` or ``phone`` (decisions recorded before it was kept count as ``api``)."""
    rows = AuditEntry.objects.filter(action="decision_recorded", at__gte=since).values_list(
        "actor_id", "after", "at"
    )
    return [
        (actor_id, str((after or {}).get("via") or DECIDED_VIA_API), at)
        for actor_id, after, at in rows
    ]


def steps_opened(*, since: datetime) -> list[tuple[datetime, str]]:
    """(when it opened, its status) of every step opened since ``since``."""
    rows = (
        ApprovalStep.objects.filter(opened_at__gte=since)
        .order_by("opened_at")
        .values_list("opened_at", "status")
    )
    return [(opened, status) for opened, status in rows if opened is not None]


def chain_lengths(*, since: datetime) -> list[int]:
    """How many steps each request sent to people since ``since`` had (one per stakeholder
    group in its chain)."""
    return list(
        ApprovalRequest.objects.filter(created_at__gte=since)
        .exclude(status=ApprovalRequest.Status.NOT_REQUIRED)
        .annotate(steps_count=Count("steps"))
        .values_list("steps_count", flat=True)
    )


def approved_at(*, subject_kind: str, since: datetime) -> dict[int, datetime]:
    """When each subject of ``subject_kind`` approved (or cleared) since ``since`` was."""
    rows = (
        ApprovalRequest.objects.filter(
            subject_kind=subject_kind,
            finished_at__gte=since,
            status__in=[ApprovalRequest.Status.APPROVED, ApprovalRequest.Status.NOT_REQUIRED],
        )
        .order_by("finished_at")
        .values_list("subject_id", "finished_at")
    )
    first: dict[int, datetime] = {}
    for subject_id, finished in rows:
        if finished is not None:
            first.setdefault(subject_id, finished)
    return first
