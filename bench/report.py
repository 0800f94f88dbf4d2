"""The results table: one ``Figure`` per measured number, rendered to Markdown."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# How a figure is judged against its target.
AT_MOST = "<="
AT_LEAST = ">="
ABOUT = "~"


@dataclass
class Figure:
    """One row: a measured value with what it is compared against.

    ``target`` is a fixed goal from issue 8; ``baseline`` is a value measured side by side in the
    same run (the ratio is value / baseline, or value / target when there is no baseline).
    """

    group: str
    name: str
    value: float | None
    unit: str
    target: float | None = None
    compare: str = AT_MOST
    baseline: float | None = None
    baseline_label: str = ""
    # A ratio target (e.g. routing overhead <= 1.10x) is judged on the ratio, not the value.
    ratio_target: float | None = None
    note: str = ""
    status: str = ""  # set for placeholders and errors instead of a value
    details: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.value is None:
            return None
        if self.baseline:
            return self.value / self.baseline
        if self.target:
            return self.value / self.target
        return None

    @property
    def verdict(self) -> str:
        if self.status:
            return self.status
        if self.value is None:
            return "no value"
        if self.ratio_target is not None:
            ratio = self.ratio
            assert ratio is not None
            return _judge(ratio, self.ratio_target, self.compare, unit="x")
        if self.target is None:
            return "reported"
        return _judge(self.value, self.target, self.compare, unit=self.unit)


def _judge(value: float, target: float, compare: str, *, unit: str) -> str:
    if compare == AT_MOST:
        if value <= target:
            return "met"
        return f"MISSED by {_fmt(value - target, unit)} ({(value / target - 1) * 100:.0f} % over)"
    if compare == AT_LEAST:
        if value >= target:
            return "met"
        return f"MISSED by {_fmt(target - value, unit)} ({(1 - value / target) * 100:.0f} % under)"
    off = abs(value / target - 1) * 100
    return "met" if off <= 20 else f"off by {off:.0f} %"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "x":
        return f"{value:.2f}x"
    if unit in {"s", "ms"}:
        digits = 3 if abs(value) < 10 else 1
        return f"{value:.{digits}f} {unit}"
    if unit in {"queries", "brands", "rows"}:
        return f"{value:,.0f} {unit}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.2f} {unit}".strip()


def _target_text(fig: Figure) -> str:
    parts = []
    if fig.target is not None:
        parts.append(f"{fig.compare} {_fmt(fig.target, fig.unit)}")
    if fig.ratio_target is not None:
        parts.append(f"ratio {fig.compare} {fig.ratio_target:.2f}x")
    if fig.baseline is not None:
        label = f" ({fig.baseline_label})" if fig.baseline_label else ""
        parts.append(f"baseline {_fmt(fig.baseline, fig.unit)}{label}")
    return "; ".join(parts) or "-"


def machine_facts() -> list[str]:
    """What the numbers were measured on: they only compare within one machine and run."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gb = f"{pages / 2**30:.1f} GiB RAM"
    except (ValueError, OSError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"CPU: {cpu or 'unknown'} ({os.cpu_count()} cores), {mem_gb}",
        f"OS: {platform.platform()}; Python {platform.python_version()}",
        f"Load average at the end of the run: {load}",
    ]


def commit_facts() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    sha = git("rev-parse", "--short", "HEAD")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain") else ""
    return f"{sha} on {branch}{dirty}"


def render(
    *,
    figures: list[Figure],
    mode: str,
    facts: list[str],
    sizes: dict[str, object],
    started: dt.datetime,
    took_s: float,
) -> str:
    """The whole RESULTS.md text."""
    lines = [
        "# Brandroom benchmarks (issue 8)",
        "",
        f"- Run: {started:%Y-%m-%d %H:%M} UTC, {mode} mode, {took_s:.0f} s in total",
        f"- Commit: {commit_facts()}",
        *[f"- {fact}" for fact in facts],
        "- Sizes: " + ", ".join(f"{k}={v}" for k, v in sizes.items()),
        "",
        "Ratios compare two things measured side by side in this run; absolute times move with",
        "the machine's load (other processes share these 2 cores and this PostgreSQL).",
        "Regenerate with `bench/run` (full) or `bench/run --smoke` (tiny sizes).",
        "",
        "| Figure | Value | Target / baseline | Ratio | Verdict |",
        "|---|---|---|---|---|",
    ]
    group = None
    for fig in figures:
        if fig.group != group:
            group = fig.group
            lines.append(f"| **{group}** | | | | |")
        value = fig.status if fig.value is None and fig.status else _fmt(fig.value, fig.unit)
        ratio = "" if fig.ratio is None else f"{fig.ratio:.2f}x"
        name = fig.name + (f" ({fig.note})" if fig.note else "")
        lines.append(
            f"| {name} | {value} | {_target_text(fig)} | {ratio} | {fig.verdict} |".replace(
                "\n", " "
            )
        )
    lines += ["", "## Notes", ""]
    group = None
    for fig in figures:
        if not fig.details:
            continue
        if fig.group != group:
            group = fig.group
            lines += [f"### {group}", ""]
        lines += [f"- **{fig.name}**: " + " ".join(fig.details)]
    lines.append("")
    return "\n".join(lines)
