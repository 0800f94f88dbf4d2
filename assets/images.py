"""Reading, cleaning and resizing images with Pillow. Pure functions over bytes: no database,
no storage, so the service can refuse bad input before anything is stored.

The type comes from the bytes (Pillow's decoders), never from the file name or the declared
content type. Pixel counts are checked from the header before any pixel is decoded, and
Pillow's own decompression-bomb guard is kept on as a second line.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from PIL import ExifTags, Image, UnidentifiedImageError

from assets.errors import ImageTooLarge, UnsupportedFile

# Pillow format name -> (content type, file extension). Still images only: an animated GIF
# would lose its frames when cleaned.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
THUMBNAIL_BOX = (320, 320)
# Phone renditions: wide enough for a phone screen, light enough that a page with four of them
# stays well under 200 KB.
PHONE_WIDTH = 720
RENDITION_QUALITY = 72


@dataclass(frozen=True)
class CleanImage:
    """An upload that passed the checks, re-encoded (metadata stripped unless kept)."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean_image(*, source: IO[bytes], max_pixels: int, keep_metadata: bool) -> CleanImage:
    """Check ``source`` is a still image of a format we take with at most ``max_pixels``, and
    return it re-encoded. Stripping re-encodes the pixels only (EXIF, GPS, XMP, comments are
    dropped) after applying the EXIF orientation, so the picture still shows the right way up."""
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns; above twice that it raises. Both are
            # refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                if image.format not in FORMATS:
                    raise UnsupportedFile(_unsupported(image.format), field="file")
                if image.width * image.height > max_pixels:
                    raise ImageTooLarge(
                        _too_many_pixels(image.width, image.height, max_pixels), field="file"
                    )
                if getattr(image, "n_frames", 1) > 1:
                    raise UnsupportedFile(
                        "Animated images are not supported; upload a still image.", field="file"
                    )
                image.load()
                return _reencode(image, keep_metadata=keep_metadata)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(
            f"The image has too many pixels to open safely ({exc}).", field="file"
        ) from None
    except UnidentifiedImageError:
        raise UnsupportedFile(_unsupported(None), field="file") from None
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        # A truncated or corrupt file of a known format.
        raise UnsupportedFile(f"The image could not be read: {exc}.", field="file") from None


def _unsupported(found: str | None) -> str:
    allowed = ", ".join(sorted(FORMATS))
    what = f"a {found} image" if found else "not an image we can read"
    return f"The file is {what}; upload one of: {allowed}."


def _too_many_pixels(width: int, height: int, limit: int) -> str:
    return f"The image is {width}x{height} pixels; the limit is {limit:,} pixels."


def _reencode(image: Image.Image, *, keep_metadata: bool) -> CleanImage:
    fmt = image.format or "PNG"
    content_type, extension = FORMATS[fmt]
    out = io.BytesIO()
    if keep_metadata:
        kept: dict[str, object] = {}
        if image.info.get("exif"):
            kept["exif"] = image.info["exif"]
        if image.info.get("icc_profile"):
            kept["icc_profile"] = image.info["icc_profile"]
        image.save(out, format=fmt, **_quality(fmt), **kept)
        upright = image
    else:
        upright = _upright(image)
        # A fresh image holds pixels only: nothing of the upload's metadata can ride along. The
        # colour profile is kept (it says nothing about the person, and dropping it shifts
        # colours). Pasting copies the pixel buffer as it is, a fraction of what a round trip
        # through tobytes/frombytes costs for a 10 MB photo.
        bare = Image.new(upright.mode, upright.size)
        bare.paste(upright, (0, 0))
        palette = upright.getpalette() if upright.mode == "P" else None
        if palette:
            bare.putpalette(palette)
        profile = image.info.get("icc_profile")
        bare.save(out, format=fmt, **_quality(fmt), **({"icc_profile": profile} if profile else {}))
    return CleanImage(
        data=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=upright.width,
        height=upright.height,
    )


def _quality(fmt: str) -> dict[str, object]:
    return {"quality": 92} if fmt in ("JPEG", "WEBP") else {}


def rendition(*, source: IO[bytes], box: tuple[int, int]) -> bytes:
    """A JPEG of ``source`` scaled down to fit ``box`` (never up), without metadata."""
    return renditions(source=source, boxes=[box])[0]


def renditions(*, source: IO[bytes], boxes: Sequence[tuple[int, int]]) -> list[bytes]:
    """JPEGs of ``source`` scaled down to fit each box (never up), without metadata, from one
    decode: a big photo's cost is reading its compressed bytes, whatever the scale, so each
    extra decode would cost as much again."""
    largest = (max(b[0] for b in boxes), max(b[1] for b in boxes))
    with Image.open(source) as image:
        image.draft("RGB", largest)  # JPEG decodes at a reduced scale: far faster for big photos
        upright = _on_white(_upright(image))
    made = []
    for box in boxes:
        small = upright.copy()
        small.thumbnail(box, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=RENDITION_QUALITY, optimize=True, progressive=True)
        made.append(out.getvalue())
    return made


# EXIF orientation -> the turn that shows the picture the right way up.
TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says. Unlike ``ImageOps.exif_transpose`` it
    never writes the EXIF back: a tag of the wrong type (a phone's or an attacker's) would make
    that raise, and the copy kept here holds pixels only anyway."""
    turn = TURNS.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    image.load()
    return image.transpose(turn) if turn is not None else image


def _on_white(image: Image.Image) -> Image.Image:
    """RGB for a JPEG: transparent parts become white, as the networks show them (a plain
    conversion would turn them black)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def phone_box(*, width: int, height: int) -> tuple[int, int]:
    """The box a phone rendition fits: ``PHONE_WIDTH`` wide, as tall as the ratio needs."""
    scale = min(1.0, PHONE_WIDTH / width)
    return max(1, round(width * scale)), max(1, round(height * scale))
