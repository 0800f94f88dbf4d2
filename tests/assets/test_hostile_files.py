"""Files that are not what they claim and names meant to mislead: a picture with a web page
behind it is stored and served as a picture only, a HEIF or AVIF still is judged as an image
(not handed to ffmpeg as a video), a photo whose EXIF has a tag of the wrong type is still
taken, and names lose control characters and direction overrides."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from assets.models import Asset
from tenants.roles import Role
from tests.assets.conftest import asset_count, errors, photo, stored_files, upload, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

WEB_PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"
ORIENTATION, MAKE, SAMPLE_FORMAT = 0x0112, 0x010F, 0x0153


def photo_with_a_mistyped_exif_tag() -> bytes:
    """A portrait photo (stored landscape, EXIF orientation 6) whose EXIF holds text under a
    tag that must be a number, as a broken phone app (or an attacker) writes it."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "X"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, format="JPEG", exif=exif.tobytes())
    # The Make entry (0x010F, type 2: text) re-labelled SampleFormat (0x0153, a number); Pillow
    # writes EXIF big-endian ("MM").
    return out.getvalue().replace(b"\x01\x0f\x00\x02", b"\x01\x53\x00\x02", 1)


def fetch(absolute: str, *, head: bool = False) -> tuple[int, bytes, object]:
    client = Client()
    path = absolute.removeprefix("http://testserver")
    response = client.head(path) if head else client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body, response


def test_a_photo_whose_exif_has_a_tag_of_the_wrong_type_is_taken_upright(
    world, uploads, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    sent = photo_with_a_mistyped_exif_tag()
    assert Image.open(io.BytesIO(sent)).getexif()[SAMPLE_FORMAT] == "X"

    with django_capture_on_commit_callbacks(execute=True):
        stripped = upload(a, writer, sent, name="Portrait")
        kept = upload(a, writer, sent, name="Portrait kept", keep_metadata="true")

    assert stripped.status_code == 201, stripped.json()
    assert (stripped.json()["width"], stripped.json()["height"]) == (48, 64)  # turned upright
    assert kept.status_code == 201, kept.json()
    with schema_context(a.brand.schema_name):
        # The kept EXIF travels to the worker too: its renditions are made, not retried forever.
        assert sorted(Asset.objects.values_list("state", flat=True)) == ["ready", "ready"]
        phone = Asset.objects.get(pk=kept.json()["id"]).phone
        assert Image.open(phone.path).size[0] < Image.open(phone.path).size[1]


def heif_still(brand: bytes) -> bytes:
    """The opening of a HEIF-family still: an ISO base media ``ftyp`` box, as an MP4's."""
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00mif1" + brand + b"\x00" * 200


def avif_still() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(out, format="AVIF")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(avif_still(), id="avif"),
        pytest.param(heif_still(b"heic"), id="heic"),
        pytest.param(heif_still(b"mif1"), id="heif"),
    ],
)
def test_a_heif_or_avif_still_is_refused_as_an_image_we_do_not_take_not_as_a_video(
    world, uploads, data
) -> None:
    a = world.a

    response = upload(a, a.person(Role.COPYWRITER), data, filename="photo.jpg")

    # Not "video needs ffmpeg" (422): the person sent a picture, and is told which ones we take.
    assert response.status_code == 400, response.json()
    assert errors(response) == {"file": "unsupported_file"}
    assert "JPEG, PNG, WEBP" in response.json()["errors"][0]["detail"]
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_a_photo_with_a_web_page_after_it_is_stored_and_served_as_a_picture_only(
    world, uploads, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)

    with django_capture_on_commit_callbacks(execute=True):
        made = upload(
            a,
            writer,
            photo(gps=False) + WEB_PAGE,
            filename="page.html",
            content_type="text/html",
            name="Terrace\u202egpj.html",
            keep_metadata="true",
        )

    assert made.status_code == 201, made.json()
    assert made.json()["name"] == "Terracegpj.html"  # the direction override is gone
    for stored in stored_files(uploads):
        assert b"<script" not in stored.read_bytes()
    urls = client_for(writer).get(url(a, f"assets/{made.json()['id']}/")).json()["urls"]
    status, body, original = fetch(urls["original"])
    assert (status, original["Content-Type"]) == (200, "image/jpeg")
    assert original["X-Content-Type-Options"] == "nosniff"
    # A browser opening the original saves it as a picture named after the asset.
    assert original["Content-Disposition"] == 'attachment; filename="Terracegpj.jpg"'
    assert body.startswith(b"\xff\xd8")
    for rendition in ("thumbnail", "phone"):
        status, _, shown = fetch(urls[rendition])
        assert (status, shown["Content-Type"], shown["Content-Disposition"]) == (
            200,
            "image/jpeg",
            "inline",
        )
        assert shown["X-Content-Type-Options"] == "nosniff"


def test_a_signed_url_answers_head_with_the_type_and_size_and_no_body(
    world, uploads, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(a, writer, photo(gps=False), name="Beach")
    urls = client_for(writer).get(url(a, f"assets/{made.json()['id']}/")).json()["urls"]
    _, whole, _ = fetch(urls["original"])

    status, body, answer = fetch(urls["original"], head=True)

    assert (status, body) == (200, b"")
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["Content-Length"] == str(len(whole))
