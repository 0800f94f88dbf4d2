"""The approver's phone view: sign-in (magic link or password) and the brand picker.

Server-rendered, no build step. Decisions go through approvals.services exactly as the API's do.
"""

from __future__ import annotations

import math

from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from approvals.services.sign_in import LINK_LIFETIME, SignInLinkInvalid, redeem_sign_in_link
from approvals.tasks import email_sign_in_link
from brandroom.http.client_address import client_address
from tenants.attention import selectors as attention
from tenants.models import User
from tenants.selectors import brands_for_user
from tenants.sign_in_limits import SignInThrottled, password_attempt
from tenants.worker import enqueue_on_commit

MINUTES = int(LINK_LIFETIME.total_seconds() // 60)


class WrongPassword(Exception):
    """Raised inside a password attempt so that it counts as a failure."""


def _safe_next(request: HttpRequest, raw: str | None) -> str:
    """``next`` when it stays on this site (a page that sent the person to sign in), else "".

    Anything else (another host, another scheme, ``//host``) would make the sign-in page an
    open redirect, so it is dropped."""
    if raw and url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return raw
    return ""


def _after_sign_in(request: HttpRequest, next_url: str) -> HttpResponse:
    return redirect(next_url) if next_url else redirect("approver-home")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        next_url = _safe_next(request, request.GET.get("next"))
        if request.user.is_authenticated:
            return _after_sign_in(request, next_url)
        return render(request, "approvals/web/sign_in.html", {"email": "", "next": next_url})
    next_url = _safe_next(request, request.POST.get("next"))
    if request.POST.get("method") == "password":
        identifier = request.POST.get("username", "").strip()
        if "@" in identifier:
            found = User.objects.filter(email__iexact=identifier).first()
            identifier = found.username if found else identifier
        password = request.POST.get("password", "")
        try:
            with password_attempt(username=identifier, address=client_address(request)):
                user = auth.authenticate(request, username=identifier, password=password)
                if user is None:
                    raise WrongPassword
        except SignInThrottled as exc:
            minutes = max(1, math.ceil(exc.retry_after / 60))
            context = {
                "problem": f"Too many failed sign-ins. Try again in {minutes} min.",
                "email": "",
                "next": next_url,
            }
            page = render(request, "approvals/web/sign_in.html", context, status=429)
            page["Retry-After"] = str(exc.retry_after)
            return page
        except WrongPassword:
            context = {
                "problem": "That username and password do not match.",
                "email": "",
                "next": next_url,
            }
            return render(request, "approvals/web/sign_in.html", context, status=400)
        auth.login(request, user)
        return _after_sign_in(request, next_url)
    email = request.POST.get("email", "").strip()
    if "@" not in email:
        context = {
            "problem": "Enter the email address you were invited with.",
            "email": email,
            "next": next_url,
        }
        return render(request, "approvals/web/sign_in.html", context, status=400)
    enqueue_on_commit(email_sign_in_link, email, next_url)
    return render(request, "approvals/web/link_sent.html", {"email": email, "minutes": MINUTES})


@require_http_methods(["GET"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = redeem_sign_in_link(token=token)
    except SignInLinkInvalid as exc:
        status = 404 if exc.reason == "unknown" else 410
        context = {"reason": exc.reason, "minutes": MINUTES}
        return render(request, "approvals/web/link_invalid.html", context, status=status)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return _after_sign_in(request, _safe_next(request, request.GET.get("next")))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("approver-sign-in")


@login_required(login_url="approver-sign-in")
def home(request: HttpRequest) -> HttpResponse:
    """The brand picker: each brand with what waits for the person there (from the cockpit's
    rollup, in two queries whatever the number of brands), most urgent first."""
    brands = list(brands_for_user(user=request.user))
    if len(brands) == 1:
        return redirect("approver-queue", brand_slug=brands[0].slug)
    now = timezone.now()
    member = attention.member_brands(user=request.user)
    waiting = {
        c.brand.slug: c
        for c in attention.attention_counts(
            rows=attention.attention_for(user=request.user, brands=member, now=now),
            brands=member,
            now=now,
        )
    }
    picks = sorted(
        (
            {
                "brand": brand,
                "total": waiting[brand.slug].total if brand.slug in waiting else 0,
                "overdue": waiting[brand.slug].overdue if brand.slug in waiting else 0,
            }
            for brand in brands
        ),
        key=lambda p: (-p["overdue"], -p["total"], p["brand"].name),
    )
    return render(request, "approvals/web/brands.html", {"brands": picks})
