"""Review packs: what a review looks at, assembled by the worker and stored on the review.

A pack is plain JSON (numbers as decimal strings, times as ISO strings) so the API, the review
page and the webhook read the same figures: the KPI table as of the period's end, the best and
worst posts of the period with their pillar, channel, audience and time, plan delivery (planned
against published on time), sign-off speed, reply times, paid results and the state of the
previous review's actions. Asking for a pack bumps the review's ``pack_generation``; a build
stores its pack only if no newer request came in meanwhile, so the last request wins."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from content import selectors as content
from outbox.services import record_event
from planning import announcements
from planning.errors import Conflict, NotFound
from planning.models import ITEM_DELIVERED, ItemStatus, PlanItem, Review, ReviewAction
from planning.tasks import assemble_review_pack
from results.periods import local_midnight, next_period, previous_period
from results.selectors import kpis as kpi_selectors
from results.selectors import results
from tenants.models import Brand
from tenants.worker import enqueue_on_commit

logger = logging.getLogger(__name__)

# Posts in each of the best and worst lists, and how much of a post's text the pack keeps.
POSTS_EACH = 5
POST_TEXT = 140


def request_pack(*, review_id: int) -> Review:
    """Queue the (re)build of a review's pack on the worker. A closed review is frozen: 409."""
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id).first()
        if review is None:
            raise NotFound(f"There is no review {review_id}.")
        if review.status == Review.Status.CLOSED:
            raise Conflict("The review is closed; its pack no longer changes.")
        review.pack_state = Review.PackState.QUEUED
        review.pack_generation = F("pack_generation") + 1
        review.save(update_fields=["pack_state", "pack_generation"])
        review.refresh_from_db(fields=["pack_generation"])
        enqueue_on_commit(
            assemble_review_pack, review_id=review.pk, generation=review.pack_generation
        )
        return review


def build_pack(
    *, brand: Brand, review_id: int, generation: int, now: datetime | None = None
) -> Review | None:
    """Assemble the pack and store it if the request is still the latest (None otherwise, or
    when the review is gone). A failure marks the pack failed and re-raises."""
    now = now or timezone.now()
    # A pack asked for before the review was closed is still built: closing stops new requests.
    claimed = Review.objects.filter(pk=review_id, pack_generation=generation).update(
        pack_state=Review.PackState.BUILDING
    )
    if not claimed:
        return None
    review = Review.objects.get(pk=review_id)
    try:
        pack = assemble(review=review, tz=ZoneInfo(brand.timezone), now=now)
    except Exception:
        Review.objects.filter(pk=review_id, pack_generation=generation).update(
            pack_state=Review.PackState.FAILED
        )
        raise
    with transaction.atomic():
        stored = Review.objects.filter(pk=review_id, pack_generation=generation).update(
            pack=pack, pack_state=Review.PackState.READY, pack_built_at=now
        )
        if not stored:
            return None
        record_event(
            name=announcements.REVIEW_READY,
            payload={
                "review_id": review.pk,
                "period": review.period,
                "period_start": review.period_start.isoformat(),
                "built_at": now,
            },
        )
    return Review.objects.get(pk=review_id)


def _num(value: Decimal | float | int | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(str(value)).normalize(), "f")


def assemble(*, review: Review, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The pack of a review as JSON-ready data (reads only)."""
    start = review.period_start
    end = next_period(start, review.period)
    deadline = content.reply_deadline_minutes()
    figures = results.own_figures(
        start=start, end=end, tz=tz, now=now, reply_deadline_minutes=deadline
    )
    return {
        "period": review.period,
        "from": start.isoformat(),
        "to": (end - timedelta(days=1)).isoformat(),
        "kpis": _kpis(start=start, end=end, tz=tz, now=now),
        "best_posts": _posts(start=start, end=end, tz=tz, best_first=True),
        "worst_posts": _posts(start=start, end=end, tz=tz, best_first=False),
        "delivery": _delivery(start=start, end=end, tz=tz),
        "signoff_minutes": {
            kind: _num(figures[f"median_signoff_minutes_{kind}"])
            for kind in ("post", "reply", "boost")
        },
        "replies": {
            "median_minutes": _num(figures["median_reply_minutes"]),
            "in_time_share": _num(figures["replies_in_time_share"]),
            "deadline_minutes": deadline,
            "distribution": [
                {"label": b["label"], "low": b["low"], "high": b["high"], "count": b["count"]}
                for b in results.reply_time_distribution(start=start, end=end, tz=tz)
            ],
        },
        "paid": {
            "engagements": _num(figures["paid_engagements"]),
            "results": _num(figures["paid_results"]),
        },
        "posts_published": _num(figures["posts_published"]),
        "previous_actions": _previous_actions(review=review, today=now.astimezone(tz).date()),
    }


def _kpis(*, start: date, end: date, tz: ZoneInfo, now: datetime) -> list[dict[str, Any]]:
    """Every KPI as of the period's end (its running period then is the KPI's "now")."""
    as_of = min(now, local_midnight(end, tz) - timedelta(microseconds=1))
    rows = []
    for report in kpi_selectors.kpi_reports(tz=tz, now=as_of):
        kpi, latest = report.kpi, report.now
        rows.append(
            {
                "kpi_id": kpi.pk,
                "name": kpi.name,
                "metric": kpi.metric,
                "unit": report.metric.unit,
                "period": kpi.period,
                "period_start": latest.start.isoformat(),
                "target": _num(latest.target),
                "direction": latest.direction,
                "actual": _num(latest.actual),
                "projected": _num(latest.projected),
                "variance": _num(report.variance),
                "trend": report.trend,
                "status": latest.status,
                "department_id": kpi.department_id,
                "department": kpi.department.name,
                "owner_id": kpi.owner_id,
            }
        )
    return rows


def _posts(*, start: date, end: date, tz: ZoneInfo, best_first: bool) -> list[dict[str, Any]]:
    rows = list(
        results.post_results(start=start, end=end, tz=tz, best_first=best_first, limit=POSTS_EACH)
    )
    briefs = {r.draft.brief_id for r in rows if r.draft.brief_id is not None}
    pillar_of = dict(
        PlanItem.objects.filter(brief_id__in=briefs).values_list("brief_id", "pillar__name")
    )
    posts = []
    for row in rows:
        draft = row.draft
        # Annotated by results' selector.
        rate, engagements = getattr(row, "engagement_rate", None), getattr(row, "engagements", 0)
        posts.append(
            {
                "draft_id": draft.pk,
                "text": draft.text[:POST_TEXT],
                "channel_id": draft.channel_id,
                "channel": str(draft.channel) if draft.channel_id else None,
                "audience": draft.audience.name if draft.audience is not None else None,
                "pillar": pillar_of.get(draft.brief_id) if draft.brief_id is not None else None,
                "published_at": draft.published_at.isoformat() if draft.published_at else None,
                "local_time": draft.published_at.astimezone(tz).strftime("%a %H:%M")
                if draft.published_at
                else None,
                "impressions": row.impressions,
                "engagements": engagements,
                "engagement_rate": _num(round(rate, 2) if rate is not None else None),
            }
        )
    return posts


def _delivery(*, start: date, end: date, tz: ZoneInfo) -> dict[str, Any]:
    """Items planned in the period: published, and of those on time (the first published draft
    of their brief went out by the end of the planned day, or of the planned week)."""
    items = list(
        PlanItem.objects.filter(planned_on__gte=start, planned_on__lt=end).values(
            "pk", "status", "planned_on", "whole_week", "brief_id"
        )
    )
    briefs = [i["brief_id"] for i in items if i["brief_id"] is not None]
    first_out = dict(
        content.drafts()
        .filter(brief_id__in=briefs, status="published", published_at__isnull=False)
        .values("brief_id")
        .annotate(first=Min("published_at"))
        .values_list("brief_id", "first")
    )
    planned = [i for i in items if i["status"] != ItemStatus.DROPPED]
    published = [i for i in planned if i["status"] in ITEM_DELIVERED]
    on_time = 0
    for item in published:
        out = first_out.get(item["brief_id"])
        last_day = item["planned_on"] + timedelta(days=6 if item["whole_week"] else 0)
        if out is None or out < local_midnight(last_day + timedelta(days=1), tz):
            # Published by hand (no brief): the item's status is all the plan knows.
            on_time += 1
    return {
        "planned": len(planned),
        "published": len(published),
        "published_on_time": on_time,
        "published_late": len(published) - on_time,
        "dropped": len(items) - len(planned),
        "open": len(planned) - len(published),
        "on_time_share": _num(round(Decimal(on_time * 100) / len(planned), 2)) if planned else None,
    }


def _previous_actions(*, review: Review, today: date) -> dict[str, Any] | None:
    """The actions of the same kind of review for the period before, and where they stand."""
    before = Review.objects.filter(
        period=review.period, period_start=previous_period(review.period_start, review.period)
    ).first()
    if before is None:
        return None
    actions = list(ReviewAction.objects.filter(review=before).order_by("due_on", "id"))
    applied = [a for a in actions if a.status == ReviewAction.Status.APPLIED]
    overdue = [a for a in actions if a.status == ReviewAction.Status.OPEN and a.due_on < today]
    return {
        "review_id": before.pk,
        "period_start": before.period_start.isoformat(),
        "applied": len(applied),
        "open": len(actions) - len(applied),
        "overdue": len(overdue),
        "actions": [
            {
                "id": a.pk,
                "title": a.title,
                "kind": a.kind,
                "status": a.status,
                "owner_id": a.owner_id,
                "due_on": a.due_on.isoformat(),
                "overdue": a in overdue,
            }
            for a in actions
        ],
    }
