"""Assets fixtures: uploads land in a temporary folder, renditions run inline, and images are
made in memory (a photo with GPS in its EXIF, a decompression bomb, a file that only claims to
be an image)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from assets.models import Asset
from content import services as content_services
from content.models import Draft
from tenants.roles import Role
from tests.conftest import client_for

GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def uploads(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a folder of the test's own, never into the repository."""
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def renditions_inline(inline_worker: Any) -> Any:
    """The renditions actor runs as the worker would, once the upload commits."""
    inline_worker.run.add("make_asset_renditions")
    return inline_worker


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def url(bw: Any, tail: str = "") -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{tail}"


def asset_count(bw: Any) -> int:
    with schema_context(bw.brand.schema_name):
        return Asset.objects.count()


def photo(*, size: tuple[int, int] = (1600, 1200), fmt: str = "JPEG", gps: bool = True) -> bytes:
    """A photo as a phone takes it: camera make and, unless ``gps`` is False, where it was."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (47.0, 22.0, 30.0), 3: "E", 4: (8.0, 32.0, 10.0)}
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG of a few dozen bytes whose header claims ten billion pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def upload(
    bw: Any,
    user: Any,
    data: bytes,
    *,
    filename: str = "beach.jpg",
    content_type: str = "image/jpeg",
    **fields: Any,
) -> Any:
    file = SimpleUploadedFile(filename, data, content_type=content_type)
    return client_for(user).post(url(bw, "assets/"), {"file": file, **fields}, format="multipart")


def errors(response: Any) -> dict[str, str]:
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


@pytest.fixture
def draft_in_review(world, django_capture_on_commit_callbacks) -> int:
    """A post of brand A, put up for review (level 1: the agency lead and client approver)."""
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpine")
        draft = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=channel,
            text="Summer on the terrace.",
            risk_score=10,
            created_by=world.a.person(Role.COPYWRITER),
        )
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        assert Draft.objects.get(pk=draft.pk).status == Draft.Status.IN_REVIEW
        return draft.pk
