"""Reading a stored asset file, for an answer or for the worker's local copy (see
assets/local_copies.py): its size and a strong validator first, then the bytes of the whole
file or one window of it, streamed from whichever storage holds it.

The local uploads folder is read from the open file (gunicorn sends it with ``sendfile``).
From an S3-compatible bucket (django-storages) the window is fetched with a ranged
``GetObject`` and streamed as it arrives: django-storages' own file object downloads the
whole object into memory on its first read, which for a 200 MB video was 200 MB per request.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage

CHUNK_BYTES = 64 * 1024


class FileWindow:
    """``length`` bytes of a file from where its reader stands, for FileResponse to stream.

    It offers the file's descriptor when the bytes come straight from a local file, so
    gunicorn can ``sendfile`` them: gunicorn starts where the file stands and sends
    Content-Length bytes, the same window ``read`` gives any other server."""

    def __init__(self, *, reader: Any, length: int, owner: Any, local: bool) -> None:
        self._reader = reader
        self._left = length
        self._owner = owner
        self._local = local

    def read(self, size: int | None = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        chunk: bytes = self._reader.read(wanted)
        self._left -= len(chunk)
        return chunk

    def fileno(self) -> int:
        if not self._local:
            raise io.UnsupportedOperation("the bytes come from a bucket, not a local file")
        return int(self._reader.fileno())

    def close(self) -> None:
        try:
            if self._reader is not self._owner:
                self._reader.close()
        finally:
            self._owner.close()


@dataclass
class StoredFile:
    """An open stored file: its size and (where the storage gives one cheaply) a strong ETag;
    ``window`` hands it over to the answer, which closes it, and ``close`` lets it go unread."""

    size: int
    etag: str | None
    _handle: Any
    _bucket_object: Any | None

    def window(self, *, start: int, length: int) -> FileWindow:
        if self._bucket_object is not None:
            # Only the bytes asked for leave the bucket; If-Match makes sure they are the
            # bytes whose size and ETag were just read (names are never reused while a
            # file exists, but a rendition made again keeps its name).
            wanted: dict[str, str] = {}
            if start or length != self.size:
                wanted["Range"] = f"bytes={start}-{start + length - 1}"
            if self.etag:
                wanted["IfMatch"] = self.etag
            body = self._bucket_object.get(**wanted)["Body"]
            return FileWindow(reader=body, length=length, owner=self._handle, local=False)
        self._handle.seek(start)
        return FileWindow(
            reader=self._handle, length=length, owner=self._handle, local=_has_fileno(self._handle)
        )

    def close(self) -> None:
        self._handle.close()


def open_stored(*, name: str) -> StoredFile | None:
    """The stored file ``name`` opened for reading, or None when it is not there."""
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        return None
    try:
        # django-storages' S3 file has already asked the bucket for the object's size and ETag
        # (a HEAD) and has read none of its bytes.
        bucket_object = getattr(handle, "obj", None)
        if bucket_object is not None and callable(getattr(bucket_object, "get", None)):
            return StoredFile(
                size=int(bucket_object.content_length),
                etag=bucket_object.e_tag or None,
                _handle=handle,
                _bucket_object=bucket_object,
            )
        if _has_fileno(handle):
            found = os.fstat(handle.fileno())
            # Size and modification time in nanoseconds: a file written again under the
            # same name (a rendition made again) gets a new one.
            etag = f'"{found.st_size:x}-{found.st_mtime_ns:x}"'
            return StoredFile(size=found.st_size, etag=etag, _handle=handle, _bucket_object=None)
        # Any other storage: no validator, so If-Range never matches and sends it whole.
        return StoredFile(size=int(handle.size), etag=None, _handle=handle, _bucket_object=None)
    except BaseException:
        handle.close()
        raise


def _has_fileno(handle: Any) -> bool:
    try:
        handle.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return False
    return True
