"""A copywriter sends a large file in pieces over the tus 1.0.0 protocol (what tus-js-client and
Uppy speak): the upload survives a dropped connection (HEAD, then resume from the offset), a
piece in the wrong place or of the wrong kind is refused without harm, and the finished file
goes through the same checks as a multipart upload, leaving nothing behind when they say no.
Unfinished uploads expire and are swept away; nobody but the uploader finds an upload."""

from __future__ import annotations

import base64
import io
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from PIL import Image

from assets.errors import UploadBusy, UploadOffsetMismatch
from assets.models import ResumableUpload
from assets.resumable import services as resumable
from tenants.models import Brand
from tenants.roles import Role
from tests.assets.conftest import GPS_IFD, asset_count, errors, photo, stored_files, url
from tests.assets.test_video import FAKE_FFMPEG, FILMED_AT, MP4, script
from tests.conftest import client_for

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PIECE = "application/offset+octet-stream"


@pytest.fixture(autouse=True)
def pieces_root(settings: Any, tmp_path: Path) -> Path:
    """Pieces wait in a folder of the test's own."""
    settings.ASSET_RESUMABLE_ROOT = str(tmp_path / "resumable")
    return tmp_path / "resumable"


@pytest.fixture
def ffmpeg(settings: Any, tmp_path: Path) -> Path:
    """Stand-ins for ffprobe (a 1920x1080 video of 75 s) and ffmpeg (stripping metadata keeps
    the bytes before it; otherwise a poster frame)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    poster = tools / "poster.jpg"
    poster.write_bytes(photo(size=(1920, 1080), gps=False))
    settings.FFPROBE_BINARY = script(
        tools,
        "ffprobe",
        """echo '{"streams": [{"width": 1920, "height": 1080}], "format": {"duration": "75.4"}}'""",
    )
    settings.FFMPEG_BINARY = script(
        tools, "ffmpeg", FAKE_FFMPEG.format(keep=len(MP4), poster=poster)
    )
    return tools


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def start(bw: Any, user: Any, length: int, **meta: str) -> Any:
    return client_for(user).post(
        url(bw, "assets/uploads/"),
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=metadata(**meta),
        **TUS,
    )


def path_of(response: Any) -> str:
    return response["Location"].removeprefix("http://testserver")


def send(user: Any, at: str, offset: int, piece: bytes, **extra: Any) -> Any:
    return client_for(user).generic(
        "PATCH",
        at,
        piece,
        content_type=extra.pop("content_type", PIECE),
        HTTP_UPLOAD_OFFSET=str(offset),
        **{**TUS, **extra},
    )


def where(user: Any, at: str) -> Any:
    return client_for(user).head(at, **TUS)


class DroppedConnection(io.RawIOBase):
    """A request body whose sender goes away after ``arrives`` bytes."""

    def __init__(self, data: bytes, arrives: int) -> None:
        self.left = data[:arrives]

    def read(self, size: int = -1) -> bytes:
        if not self.left:
            raise OSError("connection reset by peer")
        size = len(self.left) if size < 0 else size
        block, self.left = self.left[:size], self.left[size:]
        return block


def pieces_on_disk(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db
def test_options_tells_any_client_the_protocol_and_the_largest_file(world, settings) -> None:
    from rest_framework.test import APIClient

    answer = APIClient().options(url(world.a, "assets/uploads/"))

    assert answer.status_code == 204
    assert answer["Tus-Version"] == "1.0.0"
    assert answer["Tus-Extension"] == "creation,termination,expiration"
    assert answer["Tus-Max-Size"] == str(settings.ASSET_UPLOAD_MAX_BYTES)


@pytest.mark.django_db
def test_a_photo_sent_in_pieces_survives_a_dropped_connection_and_loses_its_location(
    world, uploads, pieces_root, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    sent = photo()
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)
    made = start(
        a, writer, len(sent), filename="beach.jpg", filetype="image/jpeg", tags="Summer,beach"
    )
    assert made.status_code == 201, made.content
    assert made["Tus-Resumable"] == "1.0.0" and made["Upload-Expires"]
    at = path_of(made)

    first = send(writer, at, 0, sent[:1000])
    assert (first.status_code, first["Upload-Offset"]) == (204, "1000")
    # The connection drops 700 bytes into the next piece: what arrived is kept.
    rest = sent[1000:]
    dropped = send(
        writer,
        at,
        1000,
        b"",
        **{"wsgi.input": DroppedConnection(rest, 700), "CONTENT_LENGTH": str(len(rest))},
    )
    assert dropped.status_code == 204  # nobody hears it; the offset is what counts
    asked = where(writer, at)
    assert asked.status_code == 200
    assert (asked["Upload-Offset"], asked["Upload-Length"]) == ("1700", str(len(sent)))
    assert asked["Cache-Control"] == "no-store"
    assert asset_count(a) == 0

    with django_capture_on_commit_callbacks(execute=True):
        last = send(writer, at, 1700, sent[1700:])

    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(sent))
    asset = client_for(writer).get(last["Asset-Location"].removeprefix("http://testserver"))
    body = asset.json()
    assert (body["id"], body["name"], body["tags"]) == (
        int(last["Asset-Id"]),
        "beach.jpg",
        ["beach", "summer"],
    )
    assert (body["kind"], body["content_type"], body["state"]) == ("image", "image/jpeg", "ready")
    original = next(p for p in stored_files(uploads) if p.name.startswith("original"))
    assert Image.open(original).getexif().get_ifd(GPS_IFD) == {}
    assert pieces_on_disk(pieces_root) == []
    progress = client_for(writer).get(at).json()
    assert (progress["offset"], progress["asset"]) == (len(sent), body["id"])
    # A client that missed the answer and sends the end again makes no second asset.
    again = send(writer, at, len(sent), b"")
    assert (again.status_code, again["Upload-Offset"]) == (204, str(len(sent)))
    assert send(writer, at, 1700, sent[1700:]).status_code == 409
    assert asset_count(a) == 1


@pytest.mark.django_db
def test_a_video_in_three_pieces_becomes_a_video_asset_with_its_metadata_stripped(
    world, uploads, pieces_root, ffmpeg, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    sent = MP4 + FILMED_AT
    at = path_of(start(a, writer, len(sent), filename="pour.mp4", name="The pour"))

    send(writer, at, 0, sent[:800])
    send(writer, at, 800, sent[800:1600])
    with django_capture_on_commit_callbacks(execute=True):
        last = send(writer, at, 1600, sent[1600:])

    assert last.status_code == 204, last.content
    shown = client_for(writer).get(url(a, f"assets/{last['Asset-Id']}/")).json()
    assert (shown["kind"], shown["name"], shown["duration_seconds"]) == ("video", "The pour", 75.4)
    assert (shown["metadata_stripped"], shown["size_bytes"]) == (True, len(MP4))
    (original,) = stored_files(uploads)
    assert original.read_bytes() == MP4
    assert pieces_on_disk(pieces_root) == []


@pytest.mark.django_db
def test_a_piece_larger_than_an_ordinary_request_body_is_taken_whole(
    world, pieces_root, settings
) -> None:
    """tus-js-client and Uppy send the whole file in one PATCH unless told otherwise."""
    a = world.a
    writer = a.person(Role.COPYWRITER)
    big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    at = path_of(start(a, writer, big + 10, filename="film.mp4"))

    answer = send(writer, at, 0, b"v" * big)

    assert (answer.status_code, answer["Upload-Offset"]) == (204, str(big))
    (piece,) = pieces_on_disk(pieces_root)
    assert piece.stat().st_size == big


@pytest.mark.django_db
def test_a_piece_at_the_wrong_offset_is_a_409_and_changes_nothing(world, pieces_root) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    at = path_of(start(a, writer, 3000, filename="clip.mp4"))
    send(writer, at, 0, b"a" * 1000)

    replayed = send(writer, at, 0, b"b" * 1000)
    ahead = send(writer, at, 2000, b"c" * 1000)

    assert (replayed.status_code, ahead.status_code) == (409, 409)
    assert errors(replayed) == {"Upload-Offset": "offset_mismatch"}
    assert replayed["Tus-Resumable"] == "1.0.0"
    assert where(writer, at)["Upload-Offset"] == "1000"
    (piece,) = pieces_on_disk(pieces_root)
    assert piece.read_bytes() == b"a" * 1000


@pytest.mark.django_db
def test_an_upload_whose_bytes_vanished_from_the_server_is_gone_not_filled_with_zeros(
    world, pieces_root
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    at = path_of(start(a, writer, 3000, filename="clip.mp4"))
    send(writer, at, 0, b"a" * 1000)
    (piece,) = pieces_on_disk(pieces_root)
    piece.unlink()  # a web process without the shared folder, or a wiped disk

    late = send(writer, at, 1000, b"a" * 1000)

    assert (late.status_code, errors(late)) == (410, {"Upload-Offset": "upload_expired"})
    assert where(writer, at).status_code == 404
    assert pieces_on_disk(pieces_root) == []


@pytest.mark.django_db
def test_confused_requests_are_refused_naming_the_header(world, pieces_root) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    at = path_of(start(a, writer, 1000, filename="clip.mp4"))

    as_json = send(writer, at, 0, b"{}", content_type="application/json")
    old_client = client_for(writer).generic(
        "PATCH", at, b"x", content_type=PIECE, HTTP_UPLOAD_OFFSET="0", HTTP_TUS_RESUMABLE="0.2.2"
    )
    no_offset = client_for(writer).generic("PATCH", at, b"x", content_type=PIECE, **TUS)
    too_long = send(writer, at, 0, b"x" * 1001)
    no_length = client_for(writer).post(url(a, "assets/uploads/"), **TUS)
    bad_metadata = client_for(writer).post(
        url(a, "assets/uploads/"),
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA="filename not-base64!",
        **TUS,
    )

    assert (as_json.status_code, errors(as_json)) == (
        415,
        {"Content-Type": "unsupported_media_type"},
    )
    assert (old_client.status_code, old_client["Tus-Version"]) == (412, "1.0.0")
    assert (no_offset.status_code, errors(no_offset)) == (400, {"Upload-Offset": "invalid"})
    assert (too_long.status_code, errors(too_long)) == (413, {"Upload-Length": "file_too_large"})
    assert (no_length.status_code, errors(no_length)) == (400, {"Upload-Length": "invalid"})
    assert (bad_metadata.status_code, errors(bad_metadata)) == (
        400,
        {"Upload-Metadata": "invalid"},
    )
    assert where(writer, at)["Upload-Offset"] == "0"
    assert pieces_on_disk(pieces_root) == []


@pytest.mark.django_db
def test_numbers_no_upload_can_have_and_a_nul_in_metadata_are_a_400_naming_the_header(
    world, pieces_root
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    at = path_of(start(a, writer, 1000, filename="clip.mp4"))
    # "²" is a digit to str.isdigit but not to int(); int() refuses thousands of digits.
    odd_numbers = ["\u00b2", "9" * 5000]

    lengths = [
        client_for(writer).post(url(a, "assets/uploads/"), HTTP_UPLOAD_LENGTH=n, **TUS)
        for n in odd_numbers
    ]
    offsets = [
        client_for(writer).generic(
            "PATCH", at, b"x", content_type=PIECE, HTTP_UPLOAD_OFFSET=n, **TUS
        )
        for n in odd_numbers
    ]
    nul_name = start(a, writer, 10, filename="clip.mp4", name="Clip\x00one")

    assert [(r.status_code, errors(r)) for r in lengths] == [
        (400, {"Upload-Length": "invalid"})
    ] * 2
    assert [(r.status_code, errors(r)) for r in offsets] == [
        (400, {"Upload-Offset": "invalid"})
    ] * 2
    assert (nul_name.status_code, errors(nul_name)) == (400, {"Upload-Metadata": "invalid"})
    with schema_context(a.brand.schema_name):
        assert ResumableUpload.objects.count() == 1  # the first one, untouched
    assert where(writer, at)["Upload-Offset"] == "0"
    assert pieces_on_disk(pieces_root) == []


@pytest.mark.django_db
def test_an_uploads_name_and_tags_lose_control_characters_and_direction_overrides(
    world, pieces_root
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)

    made = start(
        a,
        writer,
        10,
        filename="invoice\u202egpj.exe",
        name="Summer\n\tterrace\u2066",
        tags="\u202esummer, latte\r\n",
    )

    assert made.status_code == 201
    with schema_context(a.brand.schema_name):
        upload = ResumableUpload.objects.get()
    assert (upload.filename, upload.name, upload.tags) == (
        "invoicegpj.exe",
        "Summer terrace",
        ["latte", "summer"],
    )


@pytest.mark.django_db
def test_an_upload_over_the_limit_is_a_413_before_a_byte_is_sent(world, settings) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)

    huge = start(a, writer, settings.ASSET_UPLOAD_MAX_BYTES + 1, filename="film.mp4")
    big_image = start(
        a, writer, settings.ASSET_IMAGE_MAX_BYTES + 1, filename="x.png", filetype="image/png"
    )

    assert (huge.status_code, errors(huge)) == (413, {"Upload-Length": "file_too_large"})
    assert (big_image.status_code, errors(big_image)) == (413, {"Upload-Length": "file_too_large"})
    with schema_context(a.brand.schema_name):
        assert ResumableUpload.objects.count() == 0


@pytest.mark.django_db
def test_a_video_over_the_video_limit_is_refused_when_it_is_complete_and_nothing_is_left(
    world, uploads, pieces_root, ffmpeg, settings
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    settings.ASSET_VIDEO_MAX_BYTES = 1000
    # It says it is an image, small enough for one: only the bytes tell it is a video.
    at = path_of(start(a, writer, len(MP4), filename="still.jpg", filetype="image/jpeg"))
    send(writer, at, 0, MP4[:500])

    last = send(writer, at, 500, MP4[500:])

    assert (last.status_code, errors(last)) == (413, {"file": "file_too_large"})
    assert asset_count(a) == 0
    assert stored_files(uploads) == [] and pieces_on_disk(pieces_root) == []
    assert where(writer, at).status_code == 404


@pytest.mark.django_db
def test_a_video_with_frames_over_the_pixel_limit_is_refused_when_complete_and_nothing_is_left(
    world, uploads, pieces_root, ffmpeg, settings
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    settings.ASSET_IMAGE_MAX_PIXELS = 1920 * 1080 - 1
    at = path_of(start(a, writer, len(MP4), filename="clip.mp4", filetype="video/mp4"))
    send(writer, at, 0, MP4[:500])

    last = send(writer, at, 500, MP4[500:])

    assert (last.status_code, errors(last)) == (400, {"file": "video_too_large"})
    assert "1920x1080" in last.json()["errors"][0]["detail"]
    assert asset_count(a) == 0
    assert stored_files(uploads) == [] and pieces_on_disk(pieces_root) == []


@pytest.mark.django_db
def test_a_file_that_lies_about_its_type_is_a_400_and_leaves_no_asset_and_no_piece(
    world, uploads, pieces_root
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    pdf = b"%PDF-1.7\n" + b"0" * 3000
    at = path_of(start(a, writer, len(pdf), filename="clip.mp4", filetype="video/mp4"))
    send(writer, at, 0, pdf[:2000])

    last = send(writer, at, 2000, pdf[2000:])

    assert (last.status_code, errors(last)) == (400, {"file": "unsupported_file"})
    assert asset_count(a) == 0
    assert stored_files(uploads) == [] and pieces_on_disk(pieces_root) == []
    assert where(writer, at).status_code == 404


@pytest.mark.django_db
def test_an_unfinished_upload_expires_and_the_hourly_sweep_removes_it_and_its_bytes(
    world, pieces_root, inline_worker, django_capture_on_commit_callbacks
) -> None:
    from assets.tasks import remove_expired_uploads_everywhere

    a = world.a
    writer = a.person(Role.COPYWRITER)
    stale = path_of(start(a, writer, 3000, filename="old.mp4"))
    fresh = path_of(start(a, writer, 3000, filename="new.mp4"))
    send(writer, stale, 0, b"a" * 1000)
    send(writer, fresh, 0, b"b" * 1000)
    with schema_context(a.brand.schema_name):
        ResumableUpload.objects.filter(filename="old.mp4").update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )

    assert where(writer, stale).status_code == 410
    late = send(writer, stale, 1000, b"a" * 1000)
    assert (late.status_code, errors(late)) == (410, {"Upload-Offset": "upload_expired"})

    inline_worker.run.add("remove_brand_expired_uploads")
    with django_capture_on_commit_callbacks(execute=True):
        remove_expired_uploads_everywhere()

    assert where(writer, stale).status_code == 404
    assert where(writer, fresh)["Upload-Offset"] == "1000"
    (left,) = pieces_on_disk(pieces_root)
    assert left.read_bytes() == b"b" * 1000


@pytest.mark.django_db
def test_giving_an_upload_up_deletes_its_bytes(
    world, pieces_root, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    at = path_of(start(a, writer, 3000, filename="clip.mp4"))
    send(writer, at, 0, b"a" * 1000)

    with django_capture_on_commit_callbacks(execute=True):
        gone = client_for(writer).delete(at, **TUS)

    assert gone.status_code == 204
    assert where(writer, at).status_code == 404
    assert pieces_on_disk(pieces_root) == []


@pytest.mark.django_db
def test_nobody_but_the_uploader_finds_the_upload_and_nothing_changes(world, pieces_root) -> None:
    a, b = world.a, world.b
    writer = a.person(Role.COPYWRITER)
    made = start(a, writer, 3000, filename="clip.mp4")
    at = path_of(made)
    token = at.rstrip("/").rsplit("/", 1)[1]
    send(writer, at, 0, b"a" * 1000)

    outsider = b.person(Role.COPYWRITER)
    on_own_brand = url(b, f"assets/uploads/{token}/")
    colleague = a.person(Role.STRATEGIST)
    viewer = a.person(Role.CLIENT_VIEWER)

    assert where(outsider, at).status_code == 404
    assert send(outsider, at, 1000, b"x" * 10).status_code == 404
    assert client_for(outsider).delete(at, **TUS).status_code == 404
    assert where(outsider, on_own_brand).status_code == 404
    assert send(outsider, on_own_brand, 1000, b"x" * 10).status_code == 404
    assert send(colleague, at, 1000, b"x" * 10).status_code == 404
    assert client_for(colleague).delete(at, **TUS).status_code == 404
    assert start(a, viewer, 10, filename="x.mp4").status_code == 403
    assert send(viewer, at, 1000, b"x" * 10).status_code == 403
    assert start(b, outsider, 10).status_code == 201  # their own brand is theirs
    assert where(writer, at)["Upload-Offset"] == "1000"
    (piece, *_) = pieces_on_disk(pieces_root)
    assert piece.read_bytes() == b"a" * 1000


class HeldBody(io.RawIOBase):
    """A piece whose first half arrives, then the sender pauses until ``go`` is set."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reading = threading.Event()
        self.go = threading.Event()
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        half = len(self.data) // 2
        if self.sent == half:
            self.reading.set()
            assert self.go.wait(timeout=10)
        end = half if self.sent < half else len(self.data)
        block = self.data[self.sent : min(end, self.sent + (size if size > 0 else end))]
        self.sent += len(block)
        return block


def test_two_pieces_sent_at_once_never_interleave(
    own_brand: Brand, django_db_blocker: Any, pieces_root: Path
) -> None:
    """Two requests carry a piece for the same offset at the same time (a client retrying
    while its first request is still being read): the second is told the upload is busy, the
    first lands whole, and a retry of the second is then a 409."""
    key = {"actor": None, "actor_key_id": 4242}  # an integrator's API key sends the pieces
    first_piece, second_piece = b"1" * 4000, b"2" * 4000
    held = HeldBody(first_piece)
    outcomes: dict[str, Any] = {}

    def first() -> None:
        try:
            with tenant_context(own_brand):
                outcomes["first"] = resumable.receive_piece(
                    token=upload.token, offset=0, stream=held, size=4000, **key
                )
        except Exception as exc:  # the assertion below shows it
            outcomes["first"] = exc
        finally:
            connection.close()

    with django_db_blocker.unblock(), tenant_context(own_brand):
        upload = resumable.start_upload(
            length=10_000,
            filename="clip.mp4",
            declared_type="video/mp4",
            name="",
            tags=[],
            keep_metadata=False,
            **key,
        )
        thread = threading.Thread(target=first)
        thread.start()
        try:
            assert held.reading.wait(timeout=10)
            with pytest.raises(UploadBusy):
                resumable.receive_piece(
                    token=upload.token,
                    offset=0,
                    stream=io.BytesIO(second_piece),
                    size=4000,
                    **key,
                )
        finally:
            held.go.set()
            thread.join(timeout=10)
        with pytest.raises(UploadOffsetMismatch):
            resumable.receive_piece(
                token=upload.token,
                offset=0,
                stream=io.BytesIO(second_piece),
                size=4000,
                **key,
            )
        assert ResumableUpload.objects.get(pk=upload.pk).offset == 4000
    assert outcomes["first"].upload.offset == 4000, outcomes
    (piece,) = pieces_on_disk(pieces_root)
    assert piece.read_bytes() == first_piece


@pytest.mark.django_db
def test_a_name_too_long_is_refused_as_the_multipart_upload_refuses_it(world, pieces_root) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)

    too_long = start(a, writer, 10, filename="clip.mp4", name="n" * 201)
    just_right = start(a, writer, 10, filename="clip.mp4", name="n" * 200)

    assert (too_long.status_code, errors(too_long)) == (400, {"Upload-Metadata": "invalid"})
    assert "at most 200 characters" in too_long.json()["errors"][0]["detail"]
    assert just_right.status_code == 201
    with schema_context(a.brand.schema_name):
        assert list(ResumableUpload.objects.values_list("name", flat=True)) == ["n" * 200]
