"""Progress for commands that walk many brands: done of total, the current one, time left.

On a terminal a live bar is drawn with rich (a maintained library, already how the terminal
output of our tooling is rendered); anywhere else (CI logs, a pipe, a file) the same facts are
written as plain lines, a handful per run rather than one per brand, so logs stay readable.
Failures are collected and summed up at the end; the caller decides the exit code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# Plain mode: a line at least every this many seconds, and at every tenth of the way.
PLAIN_EVERY_SECONDS = 10.0


def is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass
class Tracker:
    """What a walk reports to: ``advance(name)`` per item, ``fail(name, error)`` per failure."""

    label: str
    total: int
    stream: IO[str]
    terminal: bool
    quiet: bool = False
    done: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _progress: Progress | None = None
    _task: Any = None
    _last_line_at: float = 0.0
    _last_tenth: int = 0

    def start(self, name: str) -> None:
        """``name`` is the item being worked on now (shown until the next one starts)."""
        if self._progress is not None:
            self._progress.update(self._task, current=name)

    def advance(self, name: str = "") -> None:
        self.done += 1
        if self._progress is not None:
            self._progress.update(self._task, advance=1, current=name)
            return
        if self.quiet:
            return
        now = time.monotonic()
        tenth = (10 * self.done) // self.total if self.total else 10
        if tenth > self._last_tenth or now - self._last_line_at >= PLAIN_EVERY_SECONDS:
            self._last_tenth = tenth
            self._last_line_at = now
            self._plain_line(name)

    def fail(self, name: str, error: str) -> None:
        self.failures.append((name, error))
        line = f"{self.label}: FAILED {name}: {error}"
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def time_left(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done)

    def _plain_line(self, name: str) -> None:
        percent = 100 * self.done // self.total if self.total else 100
        parts = [f"{self.label}: {self.done}/{self.total} ({percent} %)"]
        if name:
            parts.append(f"last {name}")
        left = self.time_left()
        if left is not None:
            parts.append(f"about {format_seconds(left)} left")
        self.stream.write(", ".join(parts) + "\n")
        self.stream.flush()

    def summary(self) -> str:
        took = format_seconds(time.monotonic() - self.started)
        ok = self.done - len(self.failures)
        text = f"{self.label}: {ok} of {self.total} done in {took}"
        if self.failures:
            text += f", {len(self.failures)} FAILED:"
            text += "".join(f"\n  {name}: {error}" for name, error in self.failures)
        return text


@contextmanager
def track(
    label: str,
    total: int,
    *,
    stream: IO[str],
    terminal: bool | None = None,
    quiet: bool = False,
) -> Iterator[Tracker]:
    """Report a walk over ``total`` items to ``stream`` (a live bar only on a terminal).

    ``quiet`` (verbosity 0) reports failures only.
    """
    if terminal is None:
        terminal = is_terminal(stream) and not quiet
    tracker = Tracker(label=label, total=total, stream=stream, terminal=terminal, quiet=quiet)
    if not terminal or total == 0:
        if not quiet:
            stream.write(f"{label}: {total} to do\n")
            stream.flush()
        yield tracker
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[dim]{task.fields[current]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(file=stream, force_terminal=True),
        # Output of what runs inside the walk (say a migration's own lines) goes above the bar.
        redirect_stdout=True,
        redirect_stderr=True,
    )
    tracker._progress = progress
    with progress:
        tracker._task = progress.add_task(label, total=total, current="")
        yield tracker
