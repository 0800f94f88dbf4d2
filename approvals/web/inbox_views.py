"""The inbox on the phone, for community managers and everyone else who answers it: the queue
(yours first, then the most urgent), one item with its suggested reply, sending a reply for
sign-off, asking the assistant for one, and raising an incident from an item.

A reply goes through content's own services (``write_draft`` / ``revise_draft``), so it is
checked, scored and routed by the brand's autonomy policy like any other: a low-risk reply the
policy clears needs nobody's sign-off, anything else waits for the chain (and its writer may
never approve it). Incidents go through approvals' ``open_incident`` with the item as evidence.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals.errors import ApprovalsError
from approvals.selectors.queue import requests_for_subject
from approvals.services import open_incident_from_inbox_item
from approvals.web.pages import approver_page, countdown, page_context
from content import selectors as content_selectors
from content.errors import ContentError
from content.models import INBOX_OPEN, Draft, GenerationJob, InboxItem
from content.progress import job_progress
from content.services import send_inbox_reply
from content.services.jobs import request_replies
from tenants.roles import role_may

# Items on the queue page; the API pages through the rest.
SHOWN = 100
REQUEST_OUTCOMES = {
    "not_required": "Cleared by the brand's autonomy rules: no sign-off needed, ready to publish.",
    "open": "Waiting for sign-off.",
    "approved": "Approved: ready to publish.",
    "rejected": "Rejected.",
    "changes_requested": "Changes requested.",
    "expired": "Expired without a decision.",
    "withdrawn": "Withdrawn.",
}


def _role(request: HttpRequest) -> str:
    """The person's role on the brand; a 404 for anyone who may not answer the inbox."""
    role = request.brand_role  # type: ignore[attr-defined]
    if not role_may(role, "content.write"):
        raise Http404("Page not found.")
    return str(role)


@approver_page
def inbox(request: HttpRequest) -> HttpResponse:
    _role(request)
    now = timezone.now()
    items = list(
        content_selectors.inbox_items()
        .filter(status__in=INBOX_OPEN)
        .order_by("reply_due_at", "-priority_score", "pk")[:SHOWN]
    )
    # Yours first, then by reply deadline (none last), then by priority.
    items.sort(key=lambda i: (i.assignee_id != request.user.pk, i.reply_due_at is None))
    rows = [
        {
            "item": item,
            "mine": item.assignee_id == request.user.pk,
            "due": countdown(item.reply_due_at, now),
            "late": item.reply_due_at is not None and item.reply_due_at <= now,
        }
        for item in items
    ]
    return render(request, "approvals/web/inbox.html", page_context(request, rows=rows))


def _item(item_id: int) -> InboxItem:
    item = content_selectors.inbox_items().filter(pk=item_id).first()
    if item is None:
        raise Http404("No such inbox item.")
    return item


def _suggestion(item: InboxItem) -> Draft | None:
    """The newest reply drafted for the item (by the assistant or a person)."""
    return (
        content_selectors.drafts()
        .filter(inbox_item=item, kind=Draft.Kind.REPLY)
        .order_by("-created_at", "-pk")
        .first()
    )


def _item_context(request: HttpRequest, item: InboxItem, role: str, **extra: Any) -> dict[str, Any]:
    suggestion = _suggestion(item)
    outcome = None
    if suggestion is not None:
        latest = requests_for_subject(subject_kind="reply", subject_id=suggestion.pk).first()
        if latest is not None:
            outcome = REQUEST_OUTCOMES.get(latest.status, latest.status)
    job = (
        content_selectors.jobs()
        .filter(
            inbox_item=item,
            status__in=[GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )
    return page_context(
        request,
        item=item,
        due=countdown(item.reply_due_at, timezone.now()),
        suggestion=suggestion,
        outcome=outcome,
        working=job_progress(job) if job else None,
        reply_text=extra.pop("reply_text", suggestion.text if suggestion else ""),
        may_raise_incident=role_may(role, "incidents.manage"),
        is_open=item.status in INBOX_OPEN,
        **extra,
    )


@approver_page
def inbox_item(request: HttpRequest, item_id: int) -> HttpResponse:
    role = _role(request)
    item = _item(item_id)
    return render(request, "approvals/web/inbox_item.html", _item_context(request, item, role))


def _problem(
    request: HttpRequest, item: InboxItem, role: str, message: str, **extra: Any
) -> HttpResponse:
    context = _item_context(request, item, role, problem=message, **extra)
    return render(request, "approvals/web/inbox_item.html", context, status=400)


@require_POST
@approver_page
def inbox_reply(request: HttpRequest, item_id: int) -> HttpResponse:
    """Send the (edited) reply for sign-off: a new draft, or a new version of the suggestion."""
    role = _role(request)
    item = _item(item_id)
    text = request.POST.get("text", "").strip()
    if not text:
        return _problem(request, item, role, "Write a reply first.", problem_field="text")
    if item.status not in INBOX_OPEN:
        refused = f"This item is {item.status}; reopen it to answer."
        return _problem(request, item, role, refused, reply_text=text)
    try:
        sent = send_inbox_reply(item_id=item.pk, text=text, created_by=request.user)
        if sent is None:
            messages.info(request, "This reply was already sent; nothing changed.")
            return redirect("approver-inbox-item", brand_slug=request.brand.slug, item_id=item.pk)  # type: ignore[attr-defined]
    except ContentError as exc:
        return _problem(request, item, role, exc.message, reply_text=text)
    messages.success(request, "Reply sent: the brand's autonomy rules decide who signs it off.")
    return redirect("approver-inbox-item", brand_slug=request.brand.slug, item_id=item.pk)  # type: ignore[attr-defined]


@require_POST
@approver_page
def inbox_suggest(request: HttpRequest, item_id: int) -> HttpResponse:
    """Ask the assistant for a reply (a job on the worker; the page says "working…")."""
    role = _role(request)
    if not role_may(role, "content.generate"):
        raise Http404("Page not found.")
    item = _item(item_id)
    try:
        request_replies(inbox_item=item, created_by=request.user)
    except ContentError as exc:
        return _problem(request, item, role, exc.message)
    messages.info(request, "The assistant is writing a reply.")
    return redirect("approver-inbox-item", brand_slug=request.brand.slug, item_id=item.pk)  # type: ignore[attr-defined]


@require_POST
@approver_page
def inbox_incident(request: HttpRequest, item_id: int) -> HttpResponse:
    """Open an incident from the item, owned by whoever raised it, the item as its evidence."""
    role = _role(request)
    item = _item(item_id)
    if not role_may(role, "incidents.manage"):
        return _problem(request, item, role, "Your role may not open incidents; tell a lead.")
    try:
        severity = int(request.POST.get("severity", ""))
    except ValueError:
        severity = 0
    if not 1 <= severity <= 5:
        return _problem(
            request, item, role, "Choose a severity from 1 to 5.", problem_field="severity"
        )
    try:
        incident = open_incident_from_inbox_item(
            item_id=item.pk, severity=severity, owner_id=request.user.pk, actor_id=request.user.pk
        )
    except ApprovalsError as exc:
        return _problem(request, item, role, exc.message)
    messages.success(request, f"Incident #{incident.pk} opened at severity {severity}; you own it.")
    return redirect("approver-inbox-item", brand_slug=request.brand.slug, item_id=item.pk)  # type: ignore[attr-defined]
