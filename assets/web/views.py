"""Serving an asset's file to whoever holds a valid, unexpired signed URL (the phone view's
images, integrators fetching a post's media). No session or key: the signature is the
permission, and it names the brand, the asset and the rendition."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from assets.models import Asset
from assets.signing import TicketRefused, read_ticket
from brandroom.errors import error_response


# GET and HEAD: an integrator may ask for the size and type before fetching.
@require_safe
def asset_file(request: HttpRequest, token: str) -> HttpResponse:
    brand = getattr(request, "brand", None)
    try:
        ticket = read_ticket(token=token)
    except TicketRefused as refused:
        code = "link_expired" if refused.expired else "link_invalid"
        return error_response(403, code, str(refused))
    if brand is None or ticket.schema != connection.schema_name:
        return error_response(404, "not_found", "Not found.")
    asset = Asset.objects.filter(pk=ticket.asset_id).first()
    name = getattr(asset, ticket.rendition).name if asset is not None else ""
    if asset is None or not name or not default_storage.exists(name):
        return error_response(404, "not_found", "Not found.")
    original = ticket.rendition == "original"
    # Renditions show in pages; the original is the file itself, so a browser opening its URL
    # saves it under the asset's name instead of showing it on this site.
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=asset.content_type if original else "image/jpeg",
        as_attachment=original,
        filename=download_name(asset) if original else "",
    )
    # Private: the URL is a secret that expires; shared caches must not keep a copy.
    response["Cache-Control"] = "private, max-age=300"
    if not original:
        response["Content-Disposition"] = "inline"
    return response


def download_name(asset: Asset) -> str:
    """The asset's name as a file name with the extension of what it really is (names are
    cleaned of control characters and direction overrides when stored)."""
    extension = asset.original.name.rsplit(".", 1)[-1]
    stem = asset.name.replace("/", "_").replace("\\", "_").strip(". ") or f"asset-{asset.pk}"
    base, dot, claimed = stem.rpartition(".")
    if dot and base and claimed.isalnum() and len(claimed) <= 4:
        stem = base  # "holiday.jpg" that is really a PNG is "holiday.png"
    return f"{stem}.{extension}"
