"""Progress of long walks: a live bar on a terminal, a few plain lines elsewhere."""

from __future__ import annotations

import io

from brandroom.progress import track


def test_terminal_gets_a_bar_with_done_of_total_and_failures_above_it() -> None:
    out = io.StringIO()
    with track("walk", 3, stream=out, terminal=True) as progress:
        for name in ("a", "b", "c"):
            progress.start(name)
            if name == "b":
                progress.fail(name, "broken")
            progress.advance(name)
    text = out.getvalue()
    assert "3/3" in text
    assert "walk: FAILED b: broken" in text
    assert "\x1b[" in text  # drawn with terminal control codes
    assert progress.summary().startswith("walk: 2 of 3 done in ")


def test_plain_output_is_a_line_per_tenth_not_per_item() -> None:
    out = io.StringIO()
    with track("walk", 1000, stream=out) as progress:
        for i in range(1000):
            progress.advance(f"item{i}")
    lines = out.getvalue().splitlines()
    assert lines[0] == "walk: 1000 to do"
    assert lines[-1] == "walk: 1000/1000 (100 %), last item999"
    assert len(lines) <= 12
    assert "\x1b[" not in out.getvalue()


def test_quiet_reports_only_failures() -> None:
    out = io.StringIO()
    with track("walk", 2, stream=out, quiet=True) as progress:
        progress.advance("a")
        progress.fail("b", "broken")
        progress.advance("b")
    assert out.getvalue() == "walk: FAILED b: broken\n"
