"""One-time sign-in links sent by email (the phone view's sign-in, and invitations): only a
hash of the token is stored, and the link opens the session once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from tenants.authentication import hash_secret
from tenants.models import SignInLink, User


def issue_sign_in_link(*, user: User, lifetime: timedelta, next_path: str = "") -> str:
    """A new link for ``user`` that works once within ``lifetime``; leads to ``next_path`` (a
    page on this site, checked by the caller) once used. Returns the full URL to email."""
    token = secrets.token_urlsafe(32)
    SignInLink.objects.create(
        user=user, token_hash=hash_secret(token), expires_at=timezone.now() + lifetime
    )
    url = settings.PUBLIC_BASE_URL + reverse("approver-link", kwargs={"token": token})
    if next_path:
        url += "?" + urlencode({"next": next_path})
    return url
