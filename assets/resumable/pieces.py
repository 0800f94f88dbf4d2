"""The bytes of a resumable upload received so far: one file per upload under
``ASSET_RESUMABLE_ROOT``, in a folder per brand schema. Only the holder of the upload's row
lock writes to it, and every write starts by cutting the file back to the offset the database
records, so a piece whose request died half-way is simply written again."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File

BLOCK_BYTES = 1024 * 1024


class PiecesLost(Exception):
    """The file holds fewer bytes than the upload's offset says were received."""


class PieceFile(File):  # type: ignore[type-arg]
    """The finished upload, opened for the asset service; ffmpeg reads it in place (no copy)."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def folder_of(*, schema: str) -> Path:
    return Path(settings.ASSET_RESUMABLE_ROOT) / schema


def path_of(*, schema: str, token: uuid.UUID) -> Path:
    return folder_of(schema=schema) / f"{token.hex}.part"


def write_piece(*, path: Path, offset: int, stream: Any, most: int) -> tuple[int, bool]:
    """Append what ``stream`` gives at ``offset`` (bytes past it from an earlier, unfinished
    write are dropped first), at most ``most`` bytes. Returns (bytes written, whether the
    sender went away before the end). More than ``most`` bytes leaves the file as it was and
    returns ``most + 1``. The bytes are on disk (fsync) before this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    have = path.stat().st_size if path.exists() else 0
    if have < offset:
        # The file lost bytes the database counts (a web process without the shared folder,
        # or a wiped disk): the upload cannot go on.
        raise PiecesLost(f"{path.name} holds {have} bytes, the upload counts {offset}")
    written = 0
    interrupted = False
    with open(path, "r+b" if path.exists() else "w+b") as out:
        out.truncate(offset)
        out.seek(offset)
        while True:
            try:
                block = stream.read(min(BLOCK_BYTES, most - written + 1))
            except OSError:
                # The sender went away mid-piece: keep what arrived, as the protocol asks.
                interrupted = True
                break
            if not block:
                break
            if written + len(block) > most:
                out.truncate(offset)
                return most + 1, False
            out.write(block)
            written += len(block)
        out.flush()
        os.fsync(out.fileno())
    return written, interrupted


def open_finished(*, path: Path) -> IO[bytes]:
    return PieceFile(open(path, "rb"), name=str(path))  # type: ignore[return-value]


def remove(*, path: Path) -> None:
    path.unlink(missing_ok=True)


def remove_all(*, paths: list[Path]) -> None:
    for path in paths:
        remove(path=path)
