"""The brand results page: KPI cards and SVG charts, server-rendered for staff signed in with
a session. Members of other brands (and strangers) get a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from results.selectors import kpis as kpi_selectors
from results.selectors import results
from results.web import charts
from tenants.roles import role_may
from tenants.selectors import role_on_brand

# Posts in each of the best and worst lists.
WORST_AND_BEST = 5


def results_page(request: HttpRequest) -> HttpResponse:
    """KPIs of the last three months with their charts, best and worst posts of the last 90
    days by engagement rate, and how fast inbox items were answered."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('approver-sign-in')}?next={quote(request.path)}")
    brand = getattr(request, "brand", None)
    role = role_on_brand(user=request.user, brand=brand) if brand is not None else None
    if brand is None or not role_may(role, "results.read"):
        raise Http404("Brand not found.")
    tz = ZoneInfo(brand.timezone)
    now = timezone.now()
    today = now.astimezone(tz).date()
    start, end = today - timedelta(days=89), today + timedelta(days=1)
    cards = []
    for report in kpi_selectors.kpi_reports(tz=tz, now=now):
        labels = [p.start.isoformat() for p in report.periods]
        cards.append(
            {
                "report": report,
                "chart": charts.line_chart(
                    labels, [p.actual for p in report.periods], [p.target for p in report.periods]
                ),
            }
        )
    best = list(
        results.post_results(start=start, end=end, tz=tz, best_first=True, limit=WORST_AND_BEST)
    )
    worst = list(
        results.post_results(start=start, end=end, tz=tz, best_first=False, limit=WORST_AND_BEST)
    )

    def post_bars(rows: list[Any]) -> dict[str, Any]:
        bars, height = charts.bar_chart(
            [
                (
                    r.draft.external_id,
                    (r.draft.text[:28] + "…") if len(r.draft.text) > 28 else r.draft.text,
                    round(r.engagement_rate or 0.0, 2),
                )
                for r in rows
            ]
        )
        return {"bars": bars, "height": height}

    distribution = results.reply_time_distribution(start=start, end=end, tz=tz)
    reply_bars, reply_height = charts.bar_chart(
        [(str(b["low"]), b["label"], float(b["count"])) for b in distribution]
    )
    context = {
        "brand": brand,
        "cards": cards,
        "best": post_bars(best),
        "worst": post_bars(worst),
        "replies": {"bars": reply_bars, "height": reply_height},
        "period_from": start,
        "period_to": today,
        "chart": {"width": charts.WIDTH, "label_width": charts.LABEL_WIDTH},
    }
    return render(request, "results/page.html", context)
