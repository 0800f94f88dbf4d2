"""Signed asset URLs answer byte ranges: Safari plays a video only when its first request for
two bytes gets those two bytes (206), and a large download resumes from where it stopped. One
range per request; anything else gets the whole file, and a range past the end is a 416."""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from django.core.files.storage import default_storage
from django.test import Client
from django_tenants.utils import schema_context

from assets.models import Asset
from assets.signing import file_path
from tenants.roles import Role
from tests.assets.conftest import photo, upload
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def get(path: str, **headers: str) -> Any:
    return Client().get(path, headers=headers)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def original(world, uploads) -> tuple[str, bytes]:
    """Brand A's photo: the path of its original's signed URL and the bytes it serves whole."""
    a = world.a
    made = upload(a, a.person(Role.COPYWRITER), photo(gps=False), name="Beach")
    assert made.status_code == 201, made.json()
    path = made.json()["urls"]["original"].removeprefix("http://testserver")
    whole = get(path)
    assert whole.status_code == 200
    return path, body(whole)


def test_an_open_ended_range_is_a_206_with_the_rest_of_the_file(world, original) -> None:
    path, whole = original

    answer = get(path, Range="bytes=1000-")

    assert answer.status_code == 206
    assert body(answer) == whole[1000:]
    assert answer["Content-Range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
    assert answer["Content-Length"] == str(len(whole) - 1000)
    assert answer["Accept-Ranges"] == "bytes"
    # The same file as the whole answer: type, download name, privacy.
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["Content-Disposition"] == 'attachment; filename="Beach.jpg"'
    assert answer["Cache-Control"] == "private, max-age=300"


def test_safaris_first_two_bytes_and_a_range_past_the_end_are_cut_to_the_file(
    world, original
) -> None:
    path, whole = original

    probe = get(path, Range="bytes=0-1")
    tail = get(path, Range=f"bytes=10-{len(whole) + 5000}")

    assert (probe.status_code, body(probe)) == (206, whole[:2])
    assert probe["Content-Range"] == f"bytes 0-1/{len(whole)}"
    assert (tail.status_code, body(tail)) == (206, whole[10:])
    assert tail["Content-Range"] == f"bytes 10-{len(whole) - 1}/{len(whole)}"


def test_a_suffix_range_is_the_last_bytes_and_a_longer_one_the_whole_file(world, original) -> None:
    path, whole = original

    last = get(path, Range="bytes=-500")
    more_than_all = get(path, Range=f"bytes=-{len(whole) + 1}")

    assert (last.status_code, body(last)) == (206, whole[-500:])
    assert last["Content-Range"] == f"bytes {len(whole) - 500}-{len(whole) - 1}/{len(whole)}"
    assert (more_than_all.status_code, body(more_than_all)) == (206, whole)


@pytest.mark.parametrize("asked", ["bytes={size}-", "bytes={size}-{more}", "bytes=-0"])
def test_a_range_starting_past_the_end_is_a_416_saying_the_size(world, original, asked) -> None:
    path, whole = original

    answer = get(path, Range=asked.format(size=len(whole), more=len(whole) + 10))

    assert answer.status_code == 416
    assert answer["Content-Range"] == f"bytes */{len(whole)}"
    assert answer["Accept-Ranges"] == "bytes"
    assert answer.json()["errors"][0]["code"] == "range_not_satisfiable"
    assert answer.json()["errors"][0]["attr"] == "Range"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=banana",
        "bytes=500-100",  # last before first: invalid, so ignored
        "items=0-10",
        "bytes=0-1,5-9",  # several ranges: the RFC lets us send it whole
        "bytes=²-",  # a digit, but not an ASCII one
        "bytes 0-10",
    ],
)
def test_a_range_header_we_do_not_take_gets_the_whole_file(world, original, header) -> None:
    path, whole = original

    answer = get(path, Range=header)

    assert (answer.status_code, body(answer)) == (200, whole)
    assert answer["Accept-Ranges"] == "bytes"
    assert answer["Content-Length"] == str(len(whole))
    assert "Content-Range" not in answer


def test_an_expired_signature_is_refused_whatever_range_it_asks(world, original) -> None:
    path, _ = original

    with mock.patch("time.time", return_value=__import__("time").time() + 3601):
        answer = get(path, Range="bytes=0-1")

    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == "link_expired"


def test_head_answers_as_get_does_without_a_byte_and_ignores_ranges(world, original) -> None:
    path, whole = original
    got = get(path)

    head = Client().head(path)
    head_with_range = Client().head(path, headers={"Range": "bytes=0-1"})

    for answer in (head, head_with_range):
        assert (answer.status_code, body(answer)) == (200, b"")
        for header in (
            "Content-Type",
            "Content-Length",
            "Content-Disposition",
            "Accept-Ranges",
            "ETag",
            "Cache-Control",
        ):
            assert answer[header] == got[header], header
    assert got["Content-Length"] == str(len(whole))


def test_if_range_resumes_only_the_same_version_of_the_file(world, original) -> None:
    path, whole = original
    etag = get(path)["ETag"]

    same = get(path, Range="bytes=100-", **{"If-Range": etag})
    changed = get(path, Range="bytes=100-", **{"If-Range": '"another-version"'})
    weak = get(path, Range="bytes=100-", **{"If-Range": f"W/{etag}"})
    dated = get(path, Range="bytes=100-", **{"If-Range": "Thu, 03 Dec 2026 10:00:00 GMT"})

    assert (same.status_code, body(same)) == (206, whole[100:])
    for stale in (changed, weak, dated):
        assert (stale.status_code, body(stale)) == (200, whole)


def test_a_rendition_answers_ranges_too(
    world, uploads, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(a, a.person(Role.COPYWRITER), photo(gps=False))
    urls = client_for(a.person(Role.CLIENT_VIEWER)).get(
        f"/brands/{a.brand.slug}/api/v1/assets/{made.json()['id']}/"
    )
    phone = urls.json()["urls"]["phone"].removeprefix("http://testserver")
    whole = body(get(phone))

    answer = get(phone, Range="bytes=-100")

    assert (answer.status_code, body(answer)) == (206, whole[-100:])
    assert answer["Content-Disposition"] == "inline"


# --- A bucket (django-storages): only the bytes asked for leave it --------------------------

VIDEO = bytes(range(256)) * 40  # 10,240 bytes
BUCKET_ETAG = '"5d41402abc4b2a76b9719d911017c592"'


@pytest.fixture
def bucket_video(world, settings) -> tuple[str, Stubber]:
    """Brand A's video stored in an S3 bucket whose answers are stubbed: the signed URL's path
    and the stub, which fails the test on any request it was not told to expect."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "access_key": "test",
                "secret_key": "test",
                "bucket_name": "brand-files",
                "endpoint_url": "http://127.0.0.1:9",
                "region_name": "us-east-1",
            },
        },
    }
    a = world.a
    with schema_context(a.brand.schema_name):
        asset = Asset.objects.create(
            kind=Asset.Kind.VIDEO,
            name="Pour",
            content_type="video/mp4",
            size_bytes=len(VIDEO),
            width=1920,
            height=1080,
            duration_seconds=12.0,
            original="assets/a/pour/original.mp4",
        )
    path = file_path(
        brand_slug=a.brand.slug,
        schema=a.brand.schema_name,
        asset_id=asset.pk,
        rendition="original",
    )
    stub = Stubber(default_storage.connection.meta.client)
    stub.activate()
    yield path, stub
    stub.deactivate()


def _expect_head(stub: Stubber) -> None:
    stub.add_response(
        "head_object",
        {"ContentLength": len(VIDEO), "ETag": BUCKET_ETAG, "ContentType": "video/mp4"},
        {"Bucket": "brand-files", "Key": "assets/a/pour/original.mp4"},
    )


def _expect_get(stub: Stubber, data: bytes, **asked: str) -> None:
    stub.add_response(
        "get_object",
        {"Body": StreamingBody(io.BytesIO(data), len(data)), "ContentLength": len(data)},
        {"Bucket": "brand-files", "Key": "assets/a/pour/original.mp4", **asked},
    )


def test_a_range_of_a_video_in_a_bucket_fetches_only_that_range(world, bucket_video) -> None:
    path, stub = bucket_video
    _expect_head(stub)
    _expect_get(stub, VIDEO[-500:], Range="bytes=9740-10239", IfMatch=BUCKET_ETAG)

    answer = get(path, Range="bytes=-500")

    assert (answer.status_code, body(answer)) == (206, VIDEO[-500:])
    assert answer["Content-Range"] == "bytes 9740-10239/10240"
    assert answer["ETag"] == BUCKET_ETAG
    stub.assert_no_pending_responses()


def test_a_whole_video_in_a_bucket_is_streamed_and_head_reads_no_bytes(world, bucket_video) -> None:
    path, stub = bucket_video
    _expect_head(stub)
    _expect_get(stub, VIDEO, IfMatch=BUCKET_ETAG)
    _expect_head(stub)

    whole = get(path)
    head = Client().head(path)

    assert (whole.status_code, body(whole)) == (200, VIDEO)
    assert (head.status_code, head["Content-Length"]) == (200, str(len(VIDEO)))
    stub.assert_no_pending_responses()
