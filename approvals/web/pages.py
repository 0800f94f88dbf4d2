"""What every page of the phone view shares: who may see it, the page's common context and how
deadlines read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from approvals.selectors.crisis import brand_in_crisis
from tenants.roles import role_may
from tenants.selectors import brands_for_user, role_on_brand


def approver_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in members of the brand only; anyone else gets a 404 as if it did not exist. The
    person's role on the brand is kept as ``request.brand_role`` for the page to use."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('approver-sign-in')}?next={quote(request.path)}")
        brand = getattr(request, "brand", None)
        role = None if brand is None else role_on_brand(user=request.user, brand=brand)
        if role is None:
            raise Http404("Brand not found.")
        request.brand_role = role  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def countdown(deadline: datetime | None, now: datetime) -> str:
    """'due in 25 min', 'due in 3 h 5 min' or 'overdue by 7 min'."""
    if deadline is None:
        return "no deadline"
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    text = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"due in {text}" if seconds >= 0 else f"overdue by {text}"


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The context every phone page renders with (the brand switcher, the crisis banner, the
    inbox link), plus the page's own ``extra``."""
    brand = request.brand  # type: ignore[attr-defined]
    return {
        "brand": brand,
        "other_brands": [b for b in brands_for_user(user=request.user) if b.pk != brand.pk],
        "in_crisis": brand_in_crisis(),
        "may_answer_inbox": role_may(request.brand_role, "content.write"),  # type: ignore[attr-defined]
        **extra,
    }
