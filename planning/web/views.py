"""The review page: a review's pack, findings and actions, server-rendered with SVG charts for
staff signed in with a session; printable and readable on a phone. Members of other brands (and
strangers to the review) get a 404, people not signed in the sign-in page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from planning.selectors import plan
from results.periods import next_period
from results.web import charts
from tenants.roles import role_may
from tenants.selectors import role_on_brand


def _number(value: Any) -> float:
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return 0.0


def review_page(request: HttpRequest, review_id: int) -> HttpResponse:
    """One review: KPI actual against target, plan delivery, best and worst posts, sign-off and
    reply times, paid results, the previous review's actions, findings and actions."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('approver-sign-in')}?next={quote(request.path)}")
    brand = getattr(request, "brand", None)
    role = role_on_brand(user=request.user, brand=brand) if brand is not None else None
    if brand is None or not role_may(role, "plan.read"):
        raise Http404("Brand not found.")
    review = plan.reviews().filter(pk=review_id).first()
    if review is None:
        raise Http404("Review not found.")
    pack: dict[str, Any] = review.pack or {}
    kpi_cards = []
    for row in pack.get("kpis", []):
        bars, height = charts.bar_chart(
            [
                ("actual", "Actual", _number(row.get("actual"))),
                ("target", "Target", _number(row.get("target"))),
            ]
        )
        kpi_cards.append({"row": row, "bars": bars, "height": height})
    delivery = pack.get("delivery") or {}
    delivery_bars, delivery_height = charts.bar_chart(
        [
            (key, label, float(delivery.get(key) or 0))
            for key, label in (
                ("planned", "Planned"),
                ("published_on_time", "Published on time"),
                ("published_late", "Published late"),
                ("open", "Not published"),
                ("dropped", "Dropped"),
            )
        ]
    )
    replies = pack.get("replies") or {}
    reply_bars, reply_height = charts.bar_chart(
        [(str(b["low"]), b["label"], float(b["count"])) for b in replies.get("distribution", [])]
    )
    context = {
        "brand": brand,
        "review": review,
        "last_day": next_period(review.period_start, review.period) - timedelta(days=1),
        "pack": pack,
        "kpi_cards": kpi_cards,
        "delivery": {"bars": delivery_bars, "height": delivery_height, **delivery},
        "replies": {"bars": reply_bars, "height": reply_height, **replies},
        "findings": list(review.findings.all()),
        "actions": list(review.actions.all()),
        "chart": {"width": charts.WIDTH, "label_width": charts.LABEL_WIDTH},
    }
    return render(request, "planning/review.html", context)
