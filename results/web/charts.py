"""SVG chart geometry for the results page, drawn by templates (no JavaScript, no build step).

Every mark carries its number in a ``data-`` attribute and a ``<title>``, so people hovering
and tests reading the page see the same figures the API gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 600, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 12, 14, 34


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: Decimal | None

    # Coordinates as the polylines write them (the template's floatformat filter cost ~0.1 ms
    # a mark, over a thousand marks a page, and could round a tie the other way than the line).
    @property
    def cx(self) -> str:
        return f"{self.x:.1f}"

    @property
    def cy(self) -> str:
        return f"{self.y:.1f}"


@dataclass(frozen=True)
class LineChart:
    actual: list[Point]
    target: list[Point]
    top: Decimal
    low: Decimal = Decimal(0)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def actual_path(self) -> str:
        return " ".join(f"{p.cx},{p.cy}" for p in self.actual if p.value is not None)

    @property
    def target_path(self) -> str:
        return " ".join(f"{p.cx},{p.cy}" for p in self.target)

    @property
    def baseline(self) -> float:
        return HEIGHT - PAD_BOTTOM


def _scale(value: Decimal, low: Decimal, top: Decimal) -> float:
    span = top - low or Decimal(1)
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    return float(HEIGHT - PAD_BOTTOM - (value - low) / span * inner)


def line_chart(
    labels: list[str], actuals: list[Decimal | None], targets: list[Decimal]
) -> LineChart:
    """Actual per period against the target in force, on one scale that holds both."""
    known = [v for v in actuals if v is not None] + targets
    top = max([*known, Decimal(0)]) * Decimal("1.1") or Decimal(1)
    low = min([*known, Decimal(0)])
    count = max(len(labels), 1)
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(count - 1, 1)

    def x(i: int) -> float:
        return PAD_LEFT + i * step if count > 1 else (WIDTH + PAD_LEFT - PAD_RIGHT) / 2

    return LineChart(
        actual=[
            Point(x(i), _scale(v, low, top) if v is not None else 0.0, labels[i], v)
            for i, v in enumerate(actuals)
        ],
        target=[Point(x(i), _scale(t, low, top), labels[i], t) for i, t in enumerate(targets)],
        top=top,
        low=low,
    )


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    label: str
    value: float
    key: str


BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 22, 8, 150


def bar_chart(rows: list[tuple[str, str, float]]) -> tuple[list[Bar], int]:
    """Horizontal bars (key, label, value), longest for the largest; returns bars and height."""
    top = max([v for _k, _l, v in rows] + [0.0]) or 1.0
    room = WIDTH - LABEL_WIDTH - 70
    bars = [
        Bar(
            y=PAD_TOP + i * (BAR_HEIGHT + BAR_GAP),
            width=max(1.0, value / top * room),
            label=label,
            value=value,
            key=key,
        )
        for i, (key, label, value) in enumerate(rows)
    ]
    return bars, PAD_TOP * 2 + len(rows) * (BAR_HEIGHT + BAR_GAP)
