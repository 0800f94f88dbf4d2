"""The approvals deadline sweep over many brands (needs issue 4: approvals).

Issue 8: with 1,000 brands and 100 open steps each, 1 % due: <= 1 s, and growing with the due
items only. Until the sweep exists this step only reports placeholders. To add it: fill the
brands' schemas with open steps (``ctx.sizes.brands`` brands are present when this runs; use
``bench.figures.tenancy.fill_brands`` if a step runs alone), time the sweep's service (not the
actor) once with 1 % due and once with, say, 10 % due and with 10x the open steps but the same
due count, and return Figures like the ones below with real values.
"""

from __future__ import annotations

from bench.context import Bench
from bench.report import Figure

GROUP = "Approvals deadline sweep"
PENDING = "not measured yet (needs issue 4)"


def run(ctx: Bench) -> list[Figure]:
    return [
        Figure(
            group=GROUP,
            name="Sweep, 1,000 brands x 100 open steps, 1 % due",
            value=None,
            unit="s",
            target=1.0,
            status=PENDING,
        ),
        Figure(
            group=GROUP,
            name="Sweep growth: 10x open steps, same due items",
            value=None,
            unit="x",
            status=PENDING,
            details=["Should stay near 1x: the sweep must grow with the due items only."],
        ),
    ]
