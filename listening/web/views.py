"""Crisis warnings on the phone: the evidence, and one tap to open the incident at the
suggested severity or to dismiss the warning. Same services as the API, so the same rules and
the same 409 when someone else decided first (here a friendly message)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals.selectors.crisis import brand_in_crisis
from brandroom.rules import RuleViolation
from listening.errors import NotFound
from listening.models import CrisisWarning
from listening.selectors import crisis as crisis_selectors
from listening.services import crisis as crisis_services
from tenants.roles import role_may
from tenants.selectors import role_on_brand


def _role(request: HttpRequest) -> str:
    """The signed-in member's role on the brand; a 404 for anyone else."""
    brand = getattr(request, "brand", None)
    role = role_on_brand(user=request.user, brand=brand) if brand is not None else None
    if role is None or not role_may(role, "listening.read"):
        raise Http404("Brand not found.")
    return role


def warnings_page(request: HttpRequest) -> HttpResponse:
    """The open warning (if any) with its evidence, and the last decided ones."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('approver-sign-in')}?next={quote(request.path)}")
    role = _role(request)
    recent = list(crisis_selectors.crisis_warnings()[:10])
    context = {
        "brand": request.brand,  # type: ignore[attr-defined]
        "in_crisis": brand_in_crisis(),
        "open": [w for w in recent if w.status == CrisisWarning.Status.OPEN],
        "decided": [w for w in recent if w.status != CrisisWarning.Status.OPEN],
        "may_decide": role_may(role, "incidents.manage"),
        "severities": range(1, 6),
    }
    return render(request, "listening/web/warnings.html", context)


@require_POST
def decide_warning(request: HttpRequest, warning_id: int) -> HttpResponse:
    """Confirm (an incident opens at the chosen severity) or dismiss, from the page's form."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('approver-sign-in')}?next={quote(request.path)}")
    role = _role(request)
    if not role_may(role, "incidents.manage"):
        raise Http404("Brand not found.")
    try:
        crisis_selectors.get_warning(warning_id=warning_id)
    except NotFound:
        raise Http404("No such warning.") from None
    decision = request.POST.get("decision", "")
    try:
        if decision == "confirm":
            chosen = request.POST.get("severity", "")
            severity = int(chosen) if chosen.isdigit() else None
            warning = crisis_services.confirm_warning(
                warning_id=warning_id, severity=severity, actor_id=request.user.pk
            )
            messages.success(
                request, f"Incident opened at severity {severity or warning.severity}."
            )
        elif decision == "dismiss":
            crisis_services.dismiss_warning(warning_id=warning_id, actor_id=request.user.pk)
            messages.success(request, "Warning dismissed.")
        else:
            messages.error(request, "Choose to open the incident or to dismiss the warning.")
    except RuleViolation as exc:
        # Decided by someone else first (409), or a severity out of range (approvals says).
        messages.error(request, exc.message)
    return redirect("crisis-warnings-page", brand_slug=request.brand.slug)  # type: ignore[attr-defined]
