"""Brand A's library: renditions made on the worker, the asset's state, search and tags,
signed expiring URLs, and deleting (refused while a draft in review uses the asset)."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from assets import images
from assets.models import Asset
from assets.services import make_renditions
from content.models import Draft
from tenants.roles import Role
from tests.assets.conftest import errors, photo, stored_files, upload, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_asset(world, uploads, renditions_inline, django_capture_on_commit_callbacks) -> dict:
    """A 1600x1200 photo uploaded to brand A, its renditions made (inline, after the commit)."""
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(a, a.person(Role.COPYWRITER), photo(), name="Beach day", tags=["summer"])
    assert response.status_code == 201, response.json()
    return (
        client_for(a.person(Role.CLIENT_VIEWER))
        .get(url(a, f"assets/{response.json()['id']}/"))
        .json()
    )


def fetch(absolute: str) -> tuple[int, bytes, str]:
    response = Client().get(absolute.removeprefix("http://testserver"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body, response.get("Content-Type", "")


def test_worker_makes_a_thumbnail_and_a_phone_rendition_and_the_asset_is_ready(
    world, ready_asset
) -> None:
    assert ready_asset["state"] == "ready"
    urls = ready_asset["urls"]

    status, thumb, content_type = fetch(urls["thumbnail"])
    assert (status, content_type) == (200, "image/jpeg")
    assert Image.open(io.BytesIO(thumb)).size == (320, 240)
    status, phone, _ = fetch(urls["phone"])
    assert status == 200
    assert Image.open(io.BytesIO(phone)).size == (720, 540)
    status, original, _ = fetch(urls["original"])
    assert status == 200 and Image.open(io.BytesIO(original)).size == (1600, 1200)


def test_an_asset_is_processing_until_the_worker_has_run(world, uploads) -> None:
    a = world.a
    made = upload(a, a.person(Role.COPYWRITER), photo(gps=False)).json()

    assert made["state"] == "processing"
    assert made["urls"]["thumbnail"] is None and made["urls"]["phone"] is None
    assert made["urls"]["original"].startswith("http://testserver/brands/alpine-coffee/files/")


def test_making_renditions_twice_changes_nothing(world, ready_asset, uploads) -> None:
    before = stored_files(uploads)
    with schema_context(world.a.brand.schema_name):
        again = make_renditions(asset_id=ready_asset["id"])
    assert again is not None and again.state == "ready"
    assert stored_files(uploads) == before
    assert len(before) == 3  # original, thumbnail, phone


def test_an_original_that_cannot_be_resized_leaves_the_asset_failed_with_why(
    world, uploads
) -> None:
    a = world.a
    made = upload(a, a.person(Role.COPYWRITER), photo(gps=False)).json()
    with schema_context(a.brand.schema_name):
        original = Asset.objects.get(pk=made["id"]).original.name
    (uploads / original).write_bytes(b"not an image any more")

    with schema_context(a.brand.schema_name):
        make_renditions(asset_id=made["id"])

    shown = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, f"assets/{made['id']}/")).json()
    assert shown["state"] == "failed"
    assert shown["failure"].startswith("Renditions could not be made:")


def test_a_tampered_signed_url_is_refused(world, ready_asset) -> None:
    phone = ready_asset["urls"]["phone"]
    token = phone.rstrip("/").rsplit("/", 1)[1]
    tampered = phone.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

    status, body, _ = fetch(tampered)

    assert status == 403
    assert b"link_invalid" in body


def test_an_expired_signed_url_is_refused(world, ready_asset, settings) -> None:
    with mock.patch("time.time", return_value=__import__("time").time() + 3601):
        status, body, _ = fetch(ready_asset["urls"]["phone"])

    assert status == 403
    assert b"link_expired" in body


def test_a_signed_url_of_brand_a_opens_nothing_under_brand_b(world, ready_asset) -> None:
    phone = ready_asset["urls"]["phone"]

    status, _, _ = fetch(phone.replace("/brands/alpine-coffee/", "/brands/bayside-bikes/"))

    assert status == 404


def test_library_searches_names_and_tags(world, uploads) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    upload(a, writer, photo(gps=False, size=(64, 64)), name="Beach day", tags=["summer"])
    upload(a, writer, photo(gps=False, size=(64, 64)), name="Roastery", tags=["coffee"])
    upload(a, writer, photo(gps=False, size=(64, 64)), name="Latte art", tags=["coffee", "Summer"])
    viewer = client_for(a.person(Role.CLIENT_VIEWER))

    def names(**params: str) -> list[str]:
        response = viewer.get(url(a, "assets/"), params)
        assert response.status_code == 200
        return [row["name"] for row in response.json()["results"]]

    assert names() == ["Latte art", "Roastery", "Beach day"]  # newest first
    assert names(search="roast") == ["Roastery"]
    assert names(search="summer") == ["Latte art", "Beach day"]
    assert names(tag="coffee") == ["Latte art", "Roastery"]


def test_copywriter_renames_and_tags_an_asset(world, uploads) -> None:
    a = world.a
    made = upload(a, a.person(Role.COPYWRITER), photo(gps=False, size=(64, 64))).json()
    writer = client_for(a.person(Role.COPYWRITER))

    response = writer.patch(
        url(a, f"assets/{made['id']}/"),
        {"name": "Hero shot", "tags": ["Launch", "launch", " hero "]},
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["tags"]) == ("Hero shot", ["hero", "launch"])
    refused = client_for(a.person(Role.CLIENT_VIEWER)).patch(
        url(a, f"assets/{made['id']}/"), {"name": "Mine"}
    )
    assert refused.status_code == 403
    with schema_context(a.brand.schema_name):
        assert Asset.objects.get(pk=made["id"]).name == "Hero shot"


def _draft_using(world, asset_id: int, status: str) -> int:
    with schema_context(world.a.brand.schema_name):
        draft = Draft.objects.create(kind=Draft.Kind.POST, text="Summer is here", status=status)
        draft.asset_links.create(asset_id=asset_id, position=0, alt_text="A beach")
        return draft.pk


def test_deleting_an_asset_a_draft_in_review_uses_is_a_409_and_it_stays(
    world, ready_asset, uploads
) -> None:
    a = world.a
    _draft_using(world, ready_asset["id"], Draft.Status.IN_REVIEW)
    files = stored_files(uploads)

    response = client_for(a.person(Role.COPYWRITER)).delete(url(a, f"assets/{ready_asset['id']}/"))

    assert response.status_code == 409
    assert errors(response) == {"asset": "asset_in_use"}
    with schema_context(a.brand.schema_name):
        assert Asset.objects.filter(pk=ready_asset["id"]).exists()
    assert stored_files(uploads) == files


def test_deleting_an_asset_removes_it_and_its_files_from_drafts_still_being_written(
    world, ready_asset, uploads, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    draft_id = _draft_using(world, ready_asset["id"], Draft.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(a.person(Role.COPYWRITER)).delete(
            url(a, f"assets/{ready_asset['id']}/")
        )

    assert response.status_code == 204
    assert stored_files(uploads) == []
    with schema_context(a.brand.schema_name):
        assert not Asset.objects.filter(pk=ready_asset["id"]).exists()
        assert Draft.objects.get(pk=draft_id).asset_links.count() == 0


def test_client_viewer_may_not_delete(world, ready_asset) -> None:
    a = world.a
    response = client_for(a.person(Role.CLIENT_VIEWER)).delete(
        url(a, f"assets/{ready_asset['id']}/")
    )
    assert response.status_code == 403
    with schema_context(a.brand.schema_name):
        assert Asset.objects.filter(pk=ready_asset["id"]).exists()


def test_a_transparent_png_gets_white_not_black_behind_it_in_its_renditions(
    world, uploads, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    logo = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    logo.paste((200, 30, 30, 255), (100, 100, 300, 300))
    out = io.BytesIO()
    logo.save(out, format="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(a, a.person(Role.COPYWRITER), out.getvalue(), filename="logo.png")
    shown = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, f"assets/{made.json()['id']}/"))

    status, thumb, _ = fetch(shown.json()["urls"]["thumbnail"])

    assert status == 200
    corner = Image.open(io.BytesIO(thumb)).getpixel((2, 2))
    assert all(channel > 245 for channel in corner)


def test_renditions_of_an_asset_deleted_meanwhile_leave_no_files_behind(world, uploads) -> None:
    a = world.a
    made = upload(a, a.person(Role.COPYWRITER), photo(gps=False, size=(64, 64))).json()
    real = images.renditions

    def deleted_while_resizing(*, source, boxes):
        Asset.objects.filter(pk=made["id"]).delete()  # someone deletes it meanwhile
        return real(source=source, boxes=boxes)

    with (
        schema_context(a.brand.schema_name),
        mock.patch("assets.services.images.renditions", side_effect=deleted_while_resizing),
    ):
        assert make_renditions(asset_id=made["id"]) is None

    assert [p.name for p in stored_files(uploads)] == ["original.jpg"]  # no renditions left
