"""How bad a spike of negative signals looks, from 1 (mole hill) to 5 (mountain). A pure
function of the evidence, table-tested; the queries that gather it are in selectors."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# Fewer negative signals in the last hour than this are never a crisis, whatever the baseline.
MIN_NEGATIVE = 5
# How many standard deviations above the hourly baseline make a spike.
SPIKE_Z = 3.0
BIG_Z, HUGE_Z = 6.0, 12.0
# Spread and reach that each add a level.
WIDE_SPREAD = 3
WIDE_REACH = 100_000


@dataclass(frozen=True)
class Evidence:
    window_minutes: int
    negative: int  # negative signals in the window
    baseline_mean: float  # per hour, over the 28 days before the window
    baseline_std: float
    z_score: float
    sources: list[str]  # where the window's negative signals came from
    reach: float  # the sum of their ``reach`` attributes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def z_score(*, current: int, mean: float, std: float) -> float:
    """How unusual ``current`` is against the baseline; a quiet brand's spread counts as at
    least 1 so a handful of complaints on a silent day is not infinitely unusual."""
    return (current - mean) / max(std, 1.0)


def suggest_severity(evidence: Evidence) -> int:
    """0 when this is no spike; else 1-3 by how far above the baseline, plus one for spreading
    across three or more sources and one for a reach of 100,000 or more (at most 5)."""
    if evidence.negative < MIN_NEGATIVE or evidence.z_score < SPIKE_Z:
        return 0
    level = 1 if evidence.z_score < BIG_Z else 2 if evidence.z_score < HUGE_Z else 3
    if len(evidence.sources) >= WIDE_SPREAD:
        level += 1
    if evidence.reach >= WIDE_REACH:
        level += 1
    return min(level, 5)
