"""Byte ranges (RFC 9110 §14): which part of a file a ``Range`` request asks for.

One range per request is what players and downloads ask for (Safari fetching a video,
a browser resuming a download). A header we do not take (another unit, several ranges, a
malformed one) is ignored and the whole file sent, as the RFC allows; a range that starts past
the end cannot be satisfied (416). ``If-Range`` with anything but the file's current strong
ETag gets the whole file too, so a resumed download never splices two versions of a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# first-pos "-" [last-pos], or "-" suffix-length; ASCII digits only (str.isdigit takes "²").
INT_RANGE = re.compile(r"([0-9]+)-([0-9]*)")
SUFFIX_RANGE = re.compile(r"-([0-9]+)")
# Longer numbers exceed any file: read as "past the end" instead of parsing thousands of digits.
LONGEST_NUMBER = 30
PAST_ANY_END = 10**LONGEST_NUMBER


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` to ``end`` (both included) of a file of ``size`` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


class RangeNotSatisfiable(Exception):
    """The range starts at or past the end of the file (416, ``Content-Range: bytes */size``)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"The file is {size:,} bytes; the range asked for starts past its end.")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


def requested_range(*, header: str | None, size: int) -> ByteRange | None:
    """The one range ``header`` asks for within a file of ``size`` bytes, or None for the whole
    file (no header, or one we ignore). Raises RangeNotSatisfiable for a range past the end."""
    if header is None:
        return None
    unit, equals, range_set = header.strip().partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    # A list may hold empty elements, which recipients skip (RFC 9110 §5.6.1).
    specs = [spec.strip() for spec in range_set.split(",") if spec.strip()]
    if len(specs) != 1:
        return None  # several ranges (or none): the whole file, as the RFC allows
    spec = specs[0]
    if (found := INT_RANGE.fullmatch(spec)) is not None:
        first = _number(found.group(1))
        last = _number(found.group(2)) if found.group(2) else None
        if last is not None and last < first:
            return None  # invalid, so ignored
        if first >= size:
            raise RangeNotSatisfiable(size)
        end = size - 1 if last is None else min(last, size - 1)
        return ByteRange(start=first, end=end, size=size)
    if (found := SUFFIX_RANGE.fullmatch(spec)) is not None:
        suffix = _number(found.group(1))
        if suffix == 0:
            raise RangeNotSatisfiable(size)
        if size == 0:
            return None  # nothing to cut from an empty file: it is sent whole
        return ByteRange(start=max(0, size - suffix), end=size - 1, size=size)
    return None


def _number(digits: str) -> int:
    return int(digits) if len(digits) <= LONGEST_NUMBER else PAST_ANY_END


def range_still_applies(*, if_range: str | None, etag: str | None) -> bool:
    """Whether a ``Range`` may be honoured given the request's ``If-Range``: only when there is
    none, or it is the file's current strong ETag (RFC 9110 §13.1.5). A date never matches:
    these answers carry no Last-Modified to compare it with."""
    if if_range is None:
        return True
    given = if_range.strip()
    return etag is not None and not given.startswith("W/") and given == etag
