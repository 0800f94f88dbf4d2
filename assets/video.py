"""Video: recognising it from its bytes, and reading its duration, size and a poster frame
with ffmpeg (``ffprobe`` and ``ffmpeg``, found on the PATH or named by FFPROBE_BINARY and
FFMPEG_BINARY), and stripping its metadata. Where ffmpeg is not installed a video upload is
refused with a message that says so; nothing is stored."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from assets.errors import AssetsError, UnsupportedFile, VideoTooLarge

# ISO base media (MP4, QuickTime) says ``ftyp`` at byte 4 and its brand after it; WebM is
# Matroska's EBML header.
QUICKTIME_BRANDS = (b"qt  ",)
# HEIF and AVIF stills share the container (``ftyp`` at byte 4) but are pictures: they go to
# the image checks (which refuse them by name), not to ffmpeg as a "video".
IMAGE_BRANDS = frozenset(
    {b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
)
EBML = b"\x1a\x45\xdf\xa3"
PROBE_TIMEOUT_SECONDS = 30


class VideoToolsMissing(AssetsError):
    """ffmpeg is not installed where the upload is handled."""

    status_code = 422
    code = "video_unavailable"


@dataclass(frozen=True)
class VideoFacts:
    content_type: str
    extension: str
    width: int
    height: int
    duration_seconds: float


def sniff(*, head: bytes) -> tuple[str, str] | None:
    """(content type, extension) when the first bytes are a video container we take."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in IMAGE_BRANDS:
            return None
        return ("video/quicktime", "mov") if brand in QUICKTIME_BRANDS else ("video/mp4", "mp4")
    if head.startswith(EBML) and b"webm" in head[:64]:
        return ("video/webm", "webm")
    return None


def _tool(name: str) -> str:
    configured = settings.FFPROBE_BINARY if name == "ffprobe" else settings.FFMPEG_BINARY
    found = shutil.which(configured)
    if found is None:
        raise VideoToolsMissing(
            f"Video needs ffmpeg ({configured}) on the server to read its duration, size and "
            "poster frame, and it is not installed here; ask your administrator, or upload an "
            "image.",
            field="file",
        )
    return found


def probe(*, path: Path, content_type: str, extension: str, max_pixels: int) -> VideoFacts:
    """Duration and size of the first video stream; a file ffprobe cannot read is corrupt.

    Every video stream's frame size is read from the container's headers (no frame is
    decoded), and one over ``max_pixels`` refuses the video: its poster frame becomes a
    picture on the worker, where Pillow's guard (the same limit as stills) would fail it
    after the upload was taken. All streams count because ffmpeg takes the poster from the
    largest one, however small the first is."""
    ffprobe = _tool("ffprobe")
    run = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "stream=width,height:format=duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        timeout=PROBE_TIMEOUT_SECONDS,
        check=False,
    )
    frames: list[tuple[int, int]] = []
    try:
        found = json.loads(run.stdout or b"{}")
        streams = found["streams"]
        stream = streams[0]
        facts = VideoFacts(
            content_type=content_type,
            extension=extension,
            width=int(stream["width"]),
            height=int(stream["height"]),
            duration_seconds=float(found["format"]["duration"]),
        )
        # Any further stream (a second angle, cover art) without a plain size is left out.
        frames = [(facts.width, facts.height)] + [
            (s["width"], s["height"])
            for s in streams[1:]
            if isinstance(s, dict) and type(s.get("width")) is int and type(s.get("height")) is int
        ]
    except (ValueError, KeyError, IndexError, TypeError):
        facts = None
    if run.returncode != 0 or facts is None or min(facts.width, facts.height) <= 0:
        raise UnsupportedFile(
            "The video could not be read (corrupt, or no video stream).", field="file"
        )
    width, height = max(frames, key=lambda frame: frame[0] * frame[1])
    if width * height > max_pixels:
        raise VideoTooLarge(
            f"The video's frames are {width}x{height} pixels; the limit is {max_pixels:,} "
            "pixels a frame.",
            field="file",
        )
    return facts


def poster_frame(*, path: Path, duration_seconds: float) -> bytes:
    """A JPEG of the frame a second in (or the first frame of a shorter video)."""
    ffmpeg = _tool("ffmpeg")
    at = "1" if duration_seconds > 1.5 else "0"
    run = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-ss",
            at,
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            "pipe:1",
        ],
        capture_output=True,
        timeout=PROBE_TIMEOUT_SECONDS,
        check=False,
    )
    if run.returncode != 0 or not run.stdout:
        raise ValueError(f"ffmpeg could not take a poster frame: {run.stderr[-200:]!r}")
    return run.stdout


def strip_metadata(*, path: Path, extension: str, into: Path) -> Path:
    """A copy of the video without its container metadata (recording place and time, device,
    software: ``-map_metadata -1``), streams copied as they are, written under ``into``. A
    file ffmpeg cannot rewrite is refused as unreadable."""
    ffmpeg = _tool("ffmpeg")
    out = into / f"clean.{extension}"
    run = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-c",
            "copy",
            "-y",
            str(out),
        ],
        capture_output=True,
        timeout=PROBE_TIMEOUT_SECONDS * 4,
        check=False,
    )
    if run.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise UnsupportedFile(
            "The video's metadata could not be removed (the file could not be rewritten); "
            "upload it again, or with keep_metadata if it must keep it.",
            field="file",
        )
    return out
