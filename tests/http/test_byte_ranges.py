"""Reading a Range header (RFC 9110 §14): one range taken, anything else the whole file, a
start past the end refused with the size."""

from __future__ import annotations

import pytest

from brandroom.http.byte_ranges import (
    ByteRange,
    RangeNotSatisfiable,
    range_still_applies,
    requested_range,
)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-", 0, 999),
        ("bytes=100-199", 100, 199),
        ("bytes=900-5000", 900, 999),
        ("bytes=-1", 999, 999),
        ("bytes=-5000", 0, 999),
        ("BYTES=1-2", 1, 2),  # the unit is case-insensitive
        (" bytes=1-2 ,", 1, 2),  # an empty list element is skipped
        ("bytes=5-" + "9" * 40, 5, 999),  # a last position past any file
    ],
)
def test_one_range_is_taken_and_cut_to_the_file(header: str, start: int, end: int) -> None:
    assert requested_range(header=header, size=1000) == ByteRange(start=start, end=end, size=1000)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bytes=",
        "bytes=a-b",
        "bytes=2-1",
        "bytes=0-1,3-4",
        "bytes=--1",
        "bytes=1 -2",
        "bytes=\u0661-",  # an Arabic-Indic digit one
        "pages=1-2",
        "bytes",
    ],
)
def test_anything_else_is_the_whole_file(header: str | None) -> None:
    assert requested_range(header=header, size=1000) is None


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=" + "9" * 5000 + "-"]
)
def test_a_start_past_the_end_is_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as refused:
        requested_range(header=header, size=1000)
    assert refused.value.content_range == "bytes */1000"


def test_an_empty_file_takes_no_range() -> None:
    assert requested_range(header="bytes=-10", size=0) is None
    with pytest.raises(RangeNotSatisfiable):
        requested_range(header="bytes=0-", size=0)


def test_if_range_holds_only_for_the_same_strong_etag() -> None:
    assert range_still_applies(if_range=None, etag=None)
    assert range_still_applies(if_range='"v1"', etag='"v1"')
    assert not range_still_applies(if_range='"v0"', etag='"v1"')
    assert not range_still_applies(if_range='W/"v1"', etag='"v1"')
    assert not range_still_applies(if_range="Thu, 03 Dec 2026 10:00:00 GMT", etag='"v1"')
    assert not range_still_applies(if_range='"v1"', etag=None)
