"""The staff cockpit: what waits for the signed-in person in every brand, most urgent first.

Server-rendered for a session sign-in (the same sign-in as the phone view), no JavaScript;
filters are plain links. It reads the same selectors as GET /api/v1/attention/.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from tenants.attention import selectors
from tenants.attention.errors import AttentionError
from tenants.attention.models import AttentionKind
from tenants.attention.working import working_for
from tenants.models import User

# Rows on the page; the API pages through the rest.
SHOWN = 100
FILTERS = ("brand", "kind", "overdue")


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} days"


def _row(row: Any, brands: dict[int, selectors.MemberBrand], now: datetime) -> dict[str, Any]:
    overdue = row.due_at is not None and row.due_at <= now
    if row.due_at is None:
        due = ""
    elif overdue:
        due = f"overdue by {_span(now - row.due_at)}"
    else:
        due = f"due in {_span(row.due_at - now)}"
    return {
        "row": row,
        "brand": brands[row.brand_id],
        "kind_label": AttentionKind(row.kind).label,
        "overdue": overdue,
        "due": due,
        "waiting": _span(now - row.since),
    }


def cockpit_page(request: HttpRequest) -> HttpResponse:
    """The attention list with counts per brand; ``brand``, ``kind`` and ``overdue`` filter."""
    if not request.user.is_authenticated or not isinstance(request.user, User):
        return redirect(f"{reverse('approver-sign-in')}?next={quote(request.get_full_path())}")
    unknown = sorted(set(request.GET) - set(FILTERS))
    if unknown:
        return HttpResponseBadRequest(f"'{unknown[0]}' is not a filter here.")
    chosen = {name: request.GET[name] for name in FILTERS if request.GET.get(name)}
    overdue = {"true": True, "false": False}.get(chosen.get("overdue", ""))
    now = timezone.now()
    brands = selectors.member_brands(user=request.user)
    try:
        rows = selectors.attention_for(
            user=request.user,
            brands=brands,
            now=now,
            brand=chosen.get("brand"),
            kind=chosen.get("kind"),
            overdue=overdue,
        )
    except AttentionError as exc:
        return HttpResponseBadRequest(exc.message)
    counts = selectors.attention_counts(rows=rows, brands=brands, now=now)
    by_id = {b.id: b for b in brands.values()}
    shown = [_row(r, by_id, now) for r in rows.order_by("urgent_at", "id")[:SHOWN]]
    widest = max((c.total for c in counts), default=0) or 1

    def link(**change: str | None) -> str:
        query = {k: v for k, v in {**chosen, **change}.items() if v}
        return f"?{urlencode(query)}" if query else "?"

    # What the person started that is still going on (AI jobs, asset renditions), all brands.
    working = [
        {"item": w, "started": _span(now - w.since)}
        for w in working_for(user_id=request.user.pk, brands=brands, now=now)
        if not chosen.get("brand") or w.brand.slug == chosen["brand"]
    ]
    # Each brand's latest readiness (one query on the public rollup), weakest first.
    latest = selectors.latest_readiness(brand_ids=[b.id for b in brands.values()])
    readiness = sorted(
        (
            {
                "brand": b,
                "overall": latest[b.id].overall,
                "week": latest[b.id].week,
                "bar": round(2.4 * (latest[b.id].overall or 0)),
                "y": 0,
            }
            for b in brands.values()
            if b.id in latest and (not chosen.get("brand") or b.slug == chosen["brand"])
        ),
        key=lambda r: (r["overall"] is None, r["overall"] or 0, r["brand"].name),
    )
    for position, row in enumerate(readiness):
        row["y"] = 4 + 22 * position
    return render(
        request,
        "attention/cockpit.html",
        {
            "now": now,
            "working": working,
            "readiness": readiness,
            "readiness_height": 8 + 22 * len(readiness),
            "rows": shown,
            "more": max(0, sum(c.total for c in counts) - len(shown)),
            "total": sum(c.total for c in counts),
            "overdue": sum(c.overdue for c in counts),
            "brands": [
                {
                    "counts": c,
                    "link": link(brand=c.brand.slug),
                    "bar": round(240 * c.total / widest),
                    "late_bar": round(240 * c.overdue / widest),
                    "kinds": [(AttentionKind(k).label, n) for k, n in sorted(c.kinds.items())],
                }
                for c in counts
            ],
            "kind_links": [("All", link(kind=None), "kind" not in chosen)]
            + [
                (kind.label, link(kind=kind.value), chosen.get("kind") == kind.value)
                for kind in AttentionKind
            ],
            "overdue_links": [
                ("Everything", link(overdue=None), overdue is None),
                ("Overdue", link(overdue="true"), overdue is True),
                ("Not yet due", link(overdue="false"), overdue is False),
            ],
            "brand_filter": chosen.get("brand"),
            "all_brands_link": link(brand=None),
        },
    )
