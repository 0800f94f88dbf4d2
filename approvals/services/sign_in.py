"""Sign-in by emailed magic link: one use, short-lived, stored hashed."""

from __future__ import annotations

from datetime import timedelta

from django.core.mail import send_mail
from django.utils import timezone

from tenants.authentication import hash_secret
from tenants.models import SignInLink, User
from tenants.sign_in_links import issue_sign_in_link

LINK_LIFETIME = timedelta(minutes=15)


class SignInLinkInvalid(Exception):
    """The link is unknown, already used or expired; ``reason`` says which, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def send_sign_in_link(*, email: str, next_path: str = "") -> None:
    """Email a sign-in link to the user with this address, if there is one; the link leads to
    ``next_path`` (a page on this site, checked by the caller) once used.

    Says nothing either way to the caller, so the form cannot be used to find out who has an
    account.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return
    url = issue_sign_in_link(user=user, lifetime=LINK_LIFETIME, next_path=next_path)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    send_mail(
        subject="Your Brandroom sign-in link",
        message=(
            f"Hello {user.first_name or user.username},\n\n"
            f"Open this link to sign in and review what is waiting for you:\n{url}\n\n"
            f"It works once and expires in {minutes} minutes. If you did not ask for it, "
            "ignore this email."
        ),
        from_email=None,
        recipient_list=[user.email],
    )


def redeem_sign_in_link(*, token: str) -> User:
    """Use a link: returns its user, or raises SignInLinkInvalid. Two tabs opening the same
    link at once cannot both succeed (a conditional UPDATE claims it)."""
    now = timezone.now()
    link = SignInLink.objects.filter(token_hash=hash_secret(token)).select_related("user").first()
    if link is None:
        raise SignInLinkInvalid("unknown")
    if link.used_at is not None:
        raise SignInLinkInvalid("used")
    if link.expires_at <= now:
        raise SignInLinkInvalid("expired")
    claimed = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    if not claimed:
        raise SignInLinkInvalid("used")
    return link.user
