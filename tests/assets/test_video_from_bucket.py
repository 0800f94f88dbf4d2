"""A video kept in a bucket becomes its poster frame and renditions on the worker without the
whole video in the worker's memory: it is streamed from the bucket in chunks into a copy on
disk that ffmpeg reads, and the copy is gone afterwards, whether ffmpeg could read it or not,
and after a worker was killed while using it.

The bucket is a fake one answering botocore in the test's process; ffmpeg is a small script,
as in test_video.py (the test machine has none)."""

from __future__ import annotations

import fcntl
import io
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image

from assets.local_copies import CopiesFolderNotPrivate
from assets.models import Asset
from assets.services import make_renditions
from assets.stored_files import CHUNK_BYTES
from tests.assets.conftest import photo

pytestmark = pytest.mark.django_db

# 4 MiB: 64 chunks of CHUNK_BYTES.
VIDEO = bytes(range(256)) * (16 * 1024)
BUCKET = "brand-files"
KEY = "assets/a/pour/original.mp4"
ETAG = '"5d41402abc4b2a76b9719d911017c592"'


class BucketBody(io.BytesIO):
    """The object's bytes as the bucket streams them, noting every read asked of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(size)
        return super().read(size)


class FakeBucket:
    """An S3 bucket answering the storage's client in the test's process: objects by key,
    ranged reads, and every object body it handed out (to see how it was read)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.objects: dict[str, bytes] = {}
        self.bodies: list[BucketBody] = []
        self.calls: list[str] = []
        events = client.meta.events
        events.register_first("before-parameter-build.s3.*", self._note, unique_id="fake-note")
        events.register("before-call.s3.*", self._answer, unique_id="fake-answer")

    def close(self) -> None:
        events = self.client.meta.events
        events.unregister("before-parameter-build.s3.*", unique_id="fake-note")
        events.unregister("before-call.s3.*", unique_id="fake-answer")

    def _note(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["fake_bucket_params"] = dict(params)

    def _answer(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[Any, Any]:
        params = context["fake_bucket_params"]
        key = params["Key"]
        self.calls.append(model.name)
        if model.name == "PutObject":
            self.objects[key] = b"stored"  # renditions: their bytes are not looked at here
            return self._ok({"ETag": ETAG})
        if model.name == "DeleteObject":
            self.objects.pop(key, None)
            return self._ok({})
        data = self.objects[key]
        if model.name == "HeadObject":
            return self._ok({"ContentLength": len(data), "ETag": ETAG, "ContentType": "video/mp4"})
        assert model.name == "GetObject", model.name
        if "IfMatch" in params:
            assert params["IfMatch"] == ETAG
        first, last = 0, len(data) - 1
        if "Range" in params:
            start, _, end = params["Range"].removeprefix("bytes=").partition("-")
            first, last = int(start), min(int(end or last), last)
        body = BucketBody(data[first : last + 1])
        self.bodies.append(body)
        size = last + 1 - first
        return self._ok({"Body": StreamingBody(body, size), "ContentLength": size, "ETag": ETAG})

    @staticmethod
    def _ok(parsed: dict[str, Any]) -> tuple[Any, Any]:
        return AWSResponse(None, 200, {}, None), {"ResponseMetadata": {}, **parsed}


@pytest.fixture
def bucket(settings, tmp_path) -> Any:
    """Files in an S3 bucket (a fake one in this process) holding the video; the worker's
    copies under tmp_path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "access_key": "test",
                "secret_key": "test",
                "bucket_name": BUCKET,
                "endpoint_url": "http://127.0.0.1:9",
                "region_name": "us-east-1",
            },
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "work")
    fake = FakeBucket(default_storage.connection.meta.client)
    fake.objects[KEY] = VIDEO
    yield fake
    fake.close()


def copies(tmp_path: Path) -> list[str]:
    folder = tmp_path / "work" / "brandroom-asset-copies"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def stand_in_ffmpeg(settings: Any, tmp_path: Path, *, body: str) -> Path:
    """ffmpeg as a script (its 6th argument is the input path); ffprobe is never run here."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "poster.jpg").write_bytes(photo(size=(1920, 1080), gps=False))
    (tools / "expected.mp4").write_bytes(VIDEO)
    path = tools / "ffmpeg"
    path.write_text("#!/bin/sh\n" + body.format(tools=tools) + "\n")
    path.chmod(0o755)
    settings.FFMPEG_BINARY = str(path)
    return tools


def video_in_bucket(world) -> int:
    with schema_context(world.a.brand.schema_name):
        return Asset.objects.create(
            kind=Asset.Kind.VIDEO,
            name="Pour",
            content_type="video/mp4",
            size_bytes=len(VIDEO),
            width=1920,
            height=1080,
            duration_seconds=12.0,
            original=KEY,
        ).pk


def test_a_bucket_video_is_copied_in_chunks_for_ffmpeg_and_the_copy_is_removed(
    world, bucket, settings, tmp_path
) -> None:
    # ffmpeg gets a path to exactly the video's bytes, and notes which path it was.
    tools = stand_in_ffmpeg(
        settings,
        tmp_path,
        body='echo "$6" > {tools}/read; cmp -s "$6" {tools}/expected.mp4 || exit 1; '
        "cat {tools}/poster.jpg",
    )
    asset_id = video_in_bucket(world)

    with schema_context(world.a.brand.schema_name):
        tracemalloc.start()
        try:
            made = make_renditions(asset_id=asset_id)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert made is not None and made.state == Asset.State.READY, made and made.failure
    assert {made.thumbnail.name, made.phone.name} <= set(bucket.objects)
    # The video left the bucket a chunk at a time, never whole, and never sat in memory.
    asked = [size for body in bucket.bodies for size in body.asked]
    assert asked and all(size is not None and 0 < size <= CHUNK_BYTES for size in asked), asked
    assert peak < len(VIDEO) // 4, f"{peak:,} bytes held at the peak"
    # ffmpeg read a copy on the worker's disk, which is gone now.
    read = Path((tools / "read").read_text().strip())
    assert read.parent.name == "brandroom-asset-copies" and read.suffix == ".mp4"
    assert not read.exists() and copies(tmp_path) == []


def test_a_corrupt_bucket_video_fails_saying_why_and_leaves_no_copy(
    world, bucket, settings, tmp_path
) -> None:
    stand_in_ffmpeg(settings, tmp_path, body="echo 'moov atom not found' >&2; exit 1")
    asset_id = video_in_bucket(world)

    with schema_context(world.a.brand.schema_name):
        made = make_renditions(asset_id=asset_id)

    assert made is not None and made.state == Asset.State.FAILED
    assert made.failure == (
        "Renditions could not be made: ffmpeg could not take a poster frame: "
        "b'moov atom not found\\n'"
    )
    assert not made.thumbnail.name and not made.phone.name
    assert "PutObject" not in bucket.calls
    assert copies(tmp_path) == []


def test_a_copy_left_by_a_killed_worker_goes_with_the_next_run_and_one_in_use_stays(
    world, bucket, settings, tmp_path
) -> None:
    stand_in_ffmpeg(settings, tmp_path, body="cat {tools}/poster.jpg")
    folder = tmp_path / "work" / "brandroom-asset-copies"
    folder.mkdir(parents=True, mode=0o700)  # as a run of ours made it
    # A worker killed mid-copy leaves its file without a lock (the kernel dropped it)...
    (folder / "copy-killed.mp4").write_bytes(VIDEO[:1000])
    # ...while another worker still busy with its copy holds the lock on it.
    busy = folder / "copy-busy.mp4"
    busy.write_bytes(VIDEO[:1000])
    held = os.open(busy, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    asset_id = video_in_bucket(world)

    try:
        with schema_context(world.a.brand.schema_name):
            made = make_renditions(asset_id=asset_id)  # the killed job's retry
        left = copies(tmp_path)
    finally:
        os.close(held)

    assert made is not None and made.state == Asset.State.READY
    assert left == ["copy-busy.mp4"]


def test_a_local_video_is_read_where_it_is_stored_without_a_copy(
    world, settings, tmp_path, uploads
) -> None:
    tools = stand_in_ffmpeg(
        settings,
        tmp_path,
        body='echo "$6" > {tools}/read; cmp -s "$6" {tools}/expected.mp4 || exit 1; '
        "cat {tools}/poster.jpg",
    )
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "work")
    (uploads / "assets" / "a" / "pour").mkdir(parents=True)
    (uploads / KEY).write_bytes(VIDEO)
    asset_id = video_in_bucket(world)

    with schema_context(world.a.brand.schema_name):
        made = make_renditions(asset_id=asset_id)

    assert made is not None and made.state == Asset.State.READY
    assert Path((tools / "read").read_text().strip()) == uploads / KEY
    assert copies(tmp_path) == []
    with default_storage.open(made.phone.name) as phone:
        assert Image.open(phone).size == (720, 405)


@pytest.mark.parametrize("made_by_another", ["symlink", "open_to_all", "other_owner"])
def test_a_copies_folder_someone_else_made_first_is_refused_and_nothing_is_copied_into_it(
    world, bucket, settings, tmp_path, made_by_another
) -> None:
    # In a shared temporary folder another user may create the copies folder first, to read a
    # brand's videos or swap a copy before ffmpeg reads it.
    stand_in_ffmpeg(settings, tmp_path, body="exit 1")
    work = tmp_path / "work"
    work.mkdir()
    folder = work / "brandroom-asset-copies"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if made_by_another == "symlink":
        folder.symlink_to(elsewhere, target_is_directory=True)
    elif made_by_another == "open_to_all":
        folder.mkdir()
        folder.chmod(0o777)
    else:
        folder.mkdir(mode=0o700)
        os.chown(folder, os.geteuid() + 4242, -1)
    asset_id = video_in_bucket(world)

    with (
        schema_context(world.a.brand.schema_name),
        pytest.raises(CopiesFolderNotPrivate, match="FILE_UPLOAD_TEMP_DIR"),
    ):
        make_renditions(asset_id=asset_id)

    # The job fails (and is retried until the folder is fixed), with no copy anywhere.
    with schema_context(world.a.brand.schema_name):
        assert Asset.objects.get(pk=asset_id).state == Asset.State.PROCESSING
    assert list(elsewhere.iterdir()) == []
    assert list(folder.iterdir()) == []
