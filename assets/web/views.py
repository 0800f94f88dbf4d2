"""Serving an asset's file to whoever holds a valid, unexpired signed URL (the phone view's
images, integrators fetching a post's media). No session or key: the signature is the
permission, and it names the brand, the asset and the rendition.

A ``Range`` of bytes is answered with just those bytes (206), so a browser can play a video
(Safari asks for ranges and gives up without them) and a large download can resume; see
brandroom.http.byte_ranges for what is taken and what is ignored."""

from __future__ import annotations

from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from assets.models import Asset
from assets.signing import TicketRefused, read_ticket
from assets.stored_files import CHUNK_BYTES, StoredFile, open_stored
from brandroom.errors import error_response
from brandroom.http.byte_ranges import (
    ByteRange,
    RangeNotSatisfiable,
    range_still_applies,
    requested_range,
)


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
    stored = open_stored(name=name) if asset is not None and name else None
    if asset is None or stored is None:
        return error_response(404, "not_found", "Not found.")
    try:
        return _answer(request, asset=asset, original=ticket.rendition == "original", stored=stored)
    except BaseException:
        stored.close()
        raise


def _answer(
    request: HttpRequest, *, asset: Asset, original: bool, stored: StoredFile
) -> HttpResponse:
    # Renditions show in pages; the original is the file itself, so a browser opening its URL
    # saves it under the asset's name instead of showing it on this site.
    headers = {
        "Content-Type": asset.content_type if original else "image/jpeg",
        "Content-Disposition": content_disposition_header(True, download_name(asset))
        if original
        else "inline",
        "Accept-Ranges": "bytes",
        # Private: the URL is a secret that expires; shared caches must not keep a copy.
        "Cache-Control": "private, max-age=300",
    }
    if stored.etag:
        headers["ETag"] = stored.etag
    if request.method == "HEAD":
        # Ranges are defined for GET only (RFC 9110 §14.2): HEAD answers as a plain GET would,
        # without reading a byte of the file.
        stored.close()
        return HttpResponse(status=200, headers={**headers, "Content-Length": str(stored.size)})
    wanted: ByteRange | None = None
    if range_still_applies(if_range=request.headers.get("If-Range"), etag=stored.etag):
        try:
            wanted = requested_range(header=request.headers.get("Range"), size=stored.size)
        except RangeNotSatisfiable as refused:
            stored.close()
            response = error_response(416, "range_not_satisfiable", str(refused), attr="Range")
            response["Content-Range"] = refused.content_range
            for header in ("Accept-Ranges", "Cache-Control", "ETag"):
                if header in headers:
                    response[header] = headers[header]
            return response
    start, length = (0, stored.size) if wanted is None else (wanted.start, wanted.length)
    response = FileResponse(
        stored.window(start=start, length=length), status=200 if wanted is None else 206
    )
    response.block_size = CHUNK_BYTES
    for header, value in headers.items():
        response[header] = value
    response["Content-Length"] = str(length)
    if wanted is not None:
        response["Content-Range"] = wanted.content_range
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
