"""Signed, expiring URLs for asset files: what the phone view and integrators fetch. The token
names the brand (schema), the asset and the rendition, so a token for one brand never opens
another brand's file; it expires after ``ASSET_URL_MAX_AGE_SECONDS``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "assets.file"
RENDITIONS = ("original", "thumbnail", "phone")


@dataclass(frozen=True)
class FileTicket:
    schema: str
    asset_id: int
    rendition: str


class TicketRefused(Exception):
    """The token was tampered with, is not ours, or has expired (``expired`` says which)."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def file_path(*, brand_slug: str, schema: str, asset_id: int, rendition: str) -> str:
    """The path of a signed URL for one file of an asset (valid from now on)."""
    if rendition not in RENDITIONS:
        raise ValueError(f"unknown rendition {rendition!r}")
    token = _signer().sign_object([schema, asset_id, rendition])
    return reverse("asset-file", kwargs={"brand_slug": brand_slug, "token": token})


def read_ticket(*, token: str) -> FileTicket:
    """What a token grants, or TicketRefused."""
    try:
        schema, asset_id, rendition = _signer().unsign_object(
            token, max_age=settings.ASSET_URL_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise TicketRefused(
            "This link has expired; ask the API for a new one.", expired=True
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise TicketRefused("This link is not valid.", expired=False) from None
    if not isinstance(asset_id, int) or rendition not in RENDITIONS:
        raise TicketRefused("This link is not valid.", expired=False)
    return FileTicket(schema=str(schema), asset_id=asset_id, rendition=str(rendition))
