"""A stored file as a path on the worker's disk, for ffmpeg, which reads a path (and seeks in
it: an MP4's index is often at its end).

Where uploads are a local folder, ffmpeg reads the stored file itself. From a bucket the file
is streamed into a copy ``CHUNK_BYTES`` at a time, so a 200 MB video costs the worker 64 KB of
memory instead of 200 MB (django-storages' file object downloads the whole object into
memory on its first read). The copy is removed when the caller is done, whether ffmpeg
succeeded or not. A worker killed mid-run cannot remove its copy, so each copy is locked
(``flock``) while in use; the kernel drops the lock of a dead process, and the next copy made
on the machine (the killed job's retry, or any other) removes every copy nobody holds.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage

from assets.stored_files import CHUNK_BYTES, open_stored

COPIES_FOLDER = "brandroom-asset-copies"
COPY_PREFIX = "copy-"


def copies_folder() -> Path:
    """Where copies are made: in Django's folder for large uploads when one is set (a disk
    with room for videos), otherwise the system's temporary folder."""
    return Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()) / COPIES_FOLDER


@contextmanager
def local_copy(*, name: str, suffix: str) -> Iterator[Path]:
    """A path holding the bytes of the stored file ``name`` while the block runs (the file
    itself in a local folder, otherwise a copy removed afterwards). FileNotFoundError when it
    is not stored."""
    try:
        own = Path(default_storage.path(name))
    except NotImplementedError:  # a bucket: no path of its own
        pass
    else:
        if not own.is_file():
            raise FileNotFoundError(name)
        yield own
        return
    folder = copies_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check_private(folder)
    remove_abandoned_copies(folder=folder)
    with _claimed_copy(folder=folder, suffix=suffix) as (path, out):
        stored = open_stored(name=name)
        if stored is None:
            raise FileNotFoundError(name)
        with closing(stored.window(start=0, length=stored.size)) as window:
            while chunk := window.read(CHUNK_BYTES):
                out.write(chunk)
        out.flush()
        yield path


class CopiesFolderNotPrivate(RuntimeError):
    """The copies folder is not this process's own: another user could read a brand's video
    or swap a copy before ffmpeg reads it."""


def _check_private(folder: Path) -> None:
    """Refuse a copies folder that is a symbolic link, belongs to another user or that others
    may open: in the shared temporary folder anyone can make ``brandroom-asset-copies`` first."""
    found = folder.lstat()
    if (
        stat.S_ISLNK(found.st_mode)
        or not stat.S_ISDIR(found.st_mode)
        or found.st_uid != os.geteuid()
        or found.st_mode & 0o077
    ):
        raise CopiesFolderNotPrivate(
            f"{folder} must be a folder of this user's that no one else may open (mode 700); "
            "remove it, or set FILE_UPLOAD_TEMP_DIR to a private folder."
        )


@contextmanager
def _claimed_copy(*, folder: Path, suffix: str) -> Iterator[tuple[Path, IO[bytes]]]:
    """A new empty file in ``folder``, locked while the block runs, then removed."""
    while True:
        handle, name = tempfile.mkstemp(dir=folder, prefix=COPY_PREFIX, suffix=suffix)
        fcntl.flock(handle, fcntl.LOCK_EX)
        # Another run's sweep may have taken it for abandoned between its creation and the
        # lock (it was unlocked then) and removed it: then the lock holds a file without a
        # name, and a fresh one is made.
        try:
            named = os.stat(name).st_ino == os.fstat(handle).st_ino
        except FileNotFoundError:
            named = False
        if named:
            break
        os.close(handle)
    path = Path(name)
    out = open(handle, "wb")  # noqa: SIM115 (closed below, after the file is gone)
    try:
        yield path, out
    finally:
        # Removed while still locked, so no sweep finds it unlocked and removes it twice.
        try:
            path.unlink(missing_ok=True)
        finally:
            out.close()


def remove_abandoned_copies(*, folder: Path) -> int:
    """Remove the copies in ``folder`` that no running process holds (a worker was killed
    while using them). Returns how many were removed."""
    removed = 0
    for leftover in folder.glob(f"{COPY_PREFIX}*"):
        try:
            handle = os.open(leftover, os.O_RDONLY)
        except FileNotFoundError:  # its run finished meanwhile
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # in use by a run still going
            os.close(handle)
            continue
        try:
            leftover.unlink(missing_ok=True)
            removed += 1
        finally:
            os.close(handle)
    return removed
