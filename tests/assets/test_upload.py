"""A copywriter uploads images to brand A's library: the type is judged from the bytes, EXIF
and location are stripped, bad files are a 4xx naming ``file`` with nothing stored, and other
roles and brands are refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image
from rest_framework.test import APIClient

from assets.models import Asset
from tenants import services
from tenants.roles import Role, Scope
from tests.assets.conftest import (
    GPS_IFD,
    asset_count,
    bomb_png,
    errors,
    photo,
    stored_files,
    upload,
    url,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_copywriter_uploads_a_photo_and_its_location_is_gone_from_the_stored_image(
    world, uploads
) -> None:
    a = world.a
    sent = photo()
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the upload has a location

    response = upload(
        a, a.person(Role.COPYWRITER), sent, name="Beach day", tags=["Summer", "beach"]
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["tags"], body["content_type"]) == (
        "Beach day",
        ["beach", "summer"],
        "image/jpeg",
    )
    assert (body["width"], body["height"], body["state"]) == (1600, 1200, "processing")
    assert body["metadata_stripped"] is True
    (stored,) = stored_files(uploads)
    kept = Image.open(stored)
    assert kept.getexif().get_ifd(GPS_IFD) == {}
    assert 0x010F not in kept.getexif()  # nor the camera
    assert b"PhoneMaker" not in stored.read_bytes()
    assert body["created_by"] == a.person(Role.COPYWRITER).pk


def test_keep_metadata_keeps_the_location_when_asked(world, uploads) -> None:
    a = world.a
    response = upload(a, a.person(Role.COPYWRITER), photo(), keep_metadata="true")

    assert response.status_code == 201, response.json()
    assert response.json()["metadata_stripped"] is False
    (stored,) = stored_files(uploads)
    assert Image.open(stored).getexif().get_ifd(GPS_IFD)


def test_type_comes_from_the_bytes_not_the_name(world, uploads) -> None:
    a = world.a
    png = photo(fmt="PNG", gps=False)

    response = upload(a, a.person(Role.COPYWRITER), png, filename="holiday.jpg")

    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "image/png"
    assert [p.suffix for p in stored_files(uploads)] == [".png"]


def still(*, fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 90, 90)).save(out, format=fmt)
    return out.getvalue()


def animated_webp(*, frames: int) -> bytes:
    pictures = [Image.new("RGB", (8, 8), (n % 256, 0, 0)) for n in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, format="WEBP", save_all=True, append_images=pictures[1:], duration=10)
    return out.getvalue()


def png_with_chunk(kind: bytes, head: bytes) -> bytes:
    """A small PNG carrying a chunk of ``kind`` whose compressed 2 MB of text sits after
    ``head`` (keyword, separator, compression method)."""
    data = head + zlib.compress(b"A" * 2_000_000)
    chunk = struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = still(fmt="PNG")
    return png[:33] + chunk + png[33:]  # right after the 8-byte signature and IHDR


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n1 0 obj << >> endobj\n" * 20, id="pdf-named-jpg"),
        pytest.param(photo(gps=False)[:400], id="truncated-jpeg"),
        pytest.param(b"GIF89a" + b"\x00" * 100, id="broken-gif"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', id="svg"),
        pytest.param(b"<!doctype html><script>alert(1)</script>", id="html"),
        pytest.param(still(fmt="TIFF"), id="tiff"),
        # Thousands of frames in a few dozen KB: refused from the header, never decoded.
        pytest.param(animated_webp(frames=3000), id="animated-webp-frame-bomb"),
        # A text or colour-profile chunk that inflates past Pillow's 1 MB cap.
        pytest.param(png_with_chunk(b"zTXt", b"Comment\x00\x00"), id="png-huge-ztxt"),
        pytest.param(png_with_chunk(b"iCCP", b"profile\x00\x00"), id="png-huge-iccp"),
    ],
)
def test_a_file_that_is_not_a_usable_image_is_a_400_naming_file_and_nothing_is_stored(
    world, uploads, data
) -> None:
    a = world.a
    response = upload(a, a.person(Role.COPYWRITER), data, filename="photo.jpg")

    assert response.status_code == 400
    assert errors(response) == {"file": "unsupported_file"}
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(world, uploads) -> None:
    a = world.a
    bomb = bomb_png()
    assert len(bomb) < 200  # tiny on the wire, ten billion pixels once decoded

    response = upload(a, a.person(Role.COPYWRITER), bomb, filename="bomb.png")

    assert response.status_code == 400
    assert errors(response) == {"file": "image_too_large"}
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_more_pixels_than_the_brand_limit_is_refused(world, uploads, settings) -> None:
    a = world.a
    settings.ASSET_IMAGE_MAX_PIXELS = 1000 * 1000

    response = upload(a, a.person(Role.COPYWRITER), photo(size=(1200, 1000), gps=False))

    assert response.status_code == 400
    assert errors(response) == {"file": "image_too_large"}
    assert "1200x1000" in response.json()["errors"][0]["detail"]
    assert asset_count(a) == 0


def test_a_file_over_the_image_size_limit_is_a_413_naming_file(world, uploads, settings) -> None:
    a = world.a
    data = photo(gps=False)
    settings.ASSET_IMAGE_MAX_BYTES = len(data) - 1

    response = upload(a, a.person(Role.COPYWRITER), data)

    assert response.status_code == 413
    assert errors(response) == {"file": "file_too_large"}
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(
    world, uploads, settings
) -> None:
    a = world.a
    settings.ASSET_UPLOAD_MAX_BYTES = 1024

    response = upload(a, a.person(Role.COPYWRITER), b"\xff" * 200_000)

    assert response.status_code == 413
    assert errors(response) == {"file": "file_too_large"}
    assert asset_count(a) == 0


def test_upload_may_be_larger_than_other_api_bodies(world, uploads, settings) -> None:
    a = world.a
    data = photo(gps=False)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # what any other API body may be
    assert len(data) > 1024

    response = upload(a, a.person(Role.COPYWRITER), data)

    assert response.status_code == 201, response.json()


def test_upload_without_a_file_is_a_400_naming_file(world, uploads) -> None:
    a = world.a
    response = client_for(a.person(Role.COPYWRITER)).post(
        url(a, "assets/"), {"name": "nothing"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in errors(response)


def test_client_viewer_may_not_upload_and_nothing_is_stored(world, uploads) -> None:
    a = world.a
    response = upload(a, a.person(Role.CLIENT_VIEWER), photo())

    assert response.status_code == 403
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_member_of_another_brand_gets_404_for_the_library_and_an_asset(world, uploads) -> None:
    a, b = world.a, world.b
    made = upload(a, a.person(Role.COPYWRITER), photo(gps=False)).json()
    outsider = client_for(b.person(Role.COPYWRITER))

    assert outsider.get(url(a, "assets/")).status_code == 404
    assert outsider.get(url(a, f"assets/{made['id']}/")).status_code == 404
    # Under their own brand the id names nothing.
    assert outsider.get(url(b, f"assets/{made['id']}/")).status_code == 404
    assert outsider.delete(url(a, f"assets/{made['id']}/")).status_code == 404
    with schema_context(a.brand.schema_name):
        assert Asset.objects.filter(pk=made["id"]).exists()


def test_an_upload_larger_than_other_bodies_works_with_an_idempotency_key_and_replays(
    world, uploads, settings
) -> None:
    a = world.a
    data = photo(gps=False)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # what any other API body may be
    writer = client_for(a.person(Role.COPYWRITER))

    def send() -> object:
        file = SimpleUploadedFile("beach.jpg", data, content_type="image/jpeg")
        return writer.post(
            url(a, "assets/"), {"file": file}, format="multipart", HTTP_IDEMPOTENCY_KEY="up-1"
        )

    first, again = send(), send()

    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert asset_count(a) == 1


def test_too_many_tags_is_a_400_naming_tags_and_nothing_is_stored(world, uploads) -> None:
    a = world.a
    tags = [f"tag-{n}" for n in range(21)]

    response = upload(a, a.person(Role.COPYWRITER), photo(gps=False), tags=tags)

    assert response.status_code == 400
    assert errors(response) == {"tags": "invalid"}
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_an_integrators_key_uploads_with_write_content_and_not_with_read_only(
    world, uploads
) -> None:
    a = world.a
    writer_key, writer_secret = services.create_api_key(
        brand=a.brand, name="Scheduler", scopes=[Scope.WRITE_CONTENT], created_by=world.admin
    )
    _reader, reader_secret = services.create_api_key(
        brand=a.brand, name="Reader", scopes=[Scope.READ], created_by=world.admin
    )

    def send(secret: str) -> object:
        file = SimpleUploadedFile("beach.jpg", photo(gps=False), content_type="image/jpeg")
        return APIClient().post(
            url(a, "assets/"),
            {"file": file},
            format="multipart",
            HTTP_AUTHORIZATION=f"Api-Key {secret}",
        )

    refused, accepted = send(reader_secret), send(writer_secret)

    assert refused.status_code == 403
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["created_by"] == world.admin.pk  # the key's creator answers for it
    with schema_context(a.brand.schema_name):
        assert list(Asset.objects.values_list("created_by_key_id", flat=True)) == [writer_key.pk]


# --- Django's limits on a form's parts: the answer names the limit, not just "unreadable" ----


def whole_request_error(response) -> dict:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["type"] == "client_error"
    assert len(body["errors"]) == 1
    return body["errors"][0]


def test_a_form_with_more_fields_than_django_reads_is_a_400_naming_the_limit(
    world, uploads, settings
) -> None:
    a = world.a
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    response = upload(
        a, a.person(Role.COPYWRITER), photo(gps=False), tags=[f"t{n}" for n in range(12)]
    )

    assert response.status_code == 400
    error = whole_request_error(response)
    assert (error["code"], error["attr"]) == ("too_many_fields", "non_field_errors")
    assert "The form has more than 10 fields" in error["detail"]
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in error["detail"]
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_a_form_with_more_files_than_django_reads_is_a_400_naming_the_limit(
    world, uploads, settings
) -> None:
    a = world.a
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    files = [
        SimpleUploadedFile(f"{n}.jpg", photo(gps=False), content_type="image/jpeg")
        for n in range(2)
    ]

    response = client_for(a.person(Role.COPYWRITER)).post(
        url(a, "assets/"), {"file": files}, format="multipart"
    )

    assert response.status_code == 400
    error = whole_request_error(response)
    assert (error["code"], error["attr"]) == ("too_many_files", "non_field_errors")
    assert "more than 1 files (DATA_UPLOAD_MAX_NUMBER_FILES)" in error["detail"]
    assert asset_count(a) == 0


def test_form_fields_over_the_memory_limit_beside_a_file_are_a_413_saying_files_do_not_count(
    world, uploads, settings
) -> None:
    # The upload's body may be far larger than DATA_UPLOAD_MAX_MEMORY_SIZE (its file); what is
    # over it is the text fields, and the answer must not claim the body is.
    a = world.a
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = upload(a, a.person(Role.COPYWRITER), photo(gps=False), name="x" * 2000)

    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("request_too_large", None)
    assert "fields other than files are larger than 1,024 bytes" in error["detail"]
    assert asset_count(a) == 0
