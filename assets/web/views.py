"""Serving an asset's file to whoever holds a valid, unexpired signed URL (the phone view's
images, integrators fetching a post's media). No session or key: the signature is the
permission, and it names the brand, the asset and the rendition."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from assets.models import Asset
from assets.signing import TicketRefused, read_ticket
from brandroom.errors import error_response


@require_GET
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
    if not name or not default_storage.exists(name):
        return error_response(404, "not_found", "Not found.")
    content_type = asset.content_type if ticket.rendition == "original" else "image/jpeg"  # type: ignore[union-attr]
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    # Private: the URL is a secret that expires; shared caches must not keep a copy.
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = "inline"
    return response
