"""Authentication: per-brand API keys (``Authorization: Api-Key <prefix>.<secret>``) and staff
tokens (``Authorization: Token <token>``)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tenants.models import ApiKey, StaffToken, User
from tenants.route_lookup import prefetched_token

LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    # Keys are 256-bit random secrets, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


class Integrator:
    """The principal behind an API key: authenticated, but a key, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def __str__(self) -> str:
        return f"api-key:{self.key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[Integrator, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        raw = ""
        if header.startswith(self.keyword + " "):
            raw = header[len(self.keyword) + 1 :].strip()
        elif request.META.get("HTTP_X_API_KEY"):
            raw = request.META["HTTP_X_API_KEY"].strip()
        if not raw:
            return None
        prefix, _, secret = raw.partition(".")
        key = ApiKey.objects.filter(prefix=prefix).first() if prefix and secret else None
        if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        now = timezone.now()
        # One write a minute at most, and never a lost update: a conditional UPDATE.
        ApiKey.objects.filter(pk=key.pk).exclude(
            last_used_at__gt=now - LAST_USED_RESOLUTION
        ).update(last_used_at=now)
        return Integrator(key), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class StaffTokenAuthentication(authentication.BaseAuthentication):
    """A person's token from ``POST /api/v1/auth/token/`` (``tenants.models.StaffToken``):
    looked up by its key, checked against the stored digest, refused once expired."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, StaffToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        key, _, secret = header[len(self.keyword) + 1 :].strip().partition(".")
        token: StaffToken | None = None
        if key.isalnum() and secret:
            # A brand request's routing has read the token already, in the same statement as
            # the brand (tenants.route_lookup); anything else asks the database now.
            looked_up, token = prefetched_token(request._request, key)
            if not looked_up:
                token = StaffToken.objects.filter(key=key).select_related("user").first()
        if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired; sign in again.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is deactivated.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
