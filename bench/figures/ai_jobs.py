"""The AI job pipeline's own cost on the worker (needs issue 3: the AI assistant).

Issue 8: with a zero-latency model server, <= 20 ms worker time per draft beyond the model;
with a model of 1 s latency, worker throughput ~ threads / latency. Until the pipeline exists
this step only reports placeholders. To add it: run a local fake model server on 127.0.0.1
(zero latency, then 1 s), drive a real ``rundramatiq`` worker with a bounded number of jobs
in a bench brand, and return Figures like the ones below with real values.
"""

from __future__ import annotations

from bench.context import Bench
from bench.report import Figure

GROUP = "AI pipeline"
PENDING = "not measured yet (needs issue 3)"


def run(ctx: Bench) -> list[Figure]:
    return [
        Figure(
            group=GROUP,
            name="Worker time per draft beyond the model (zero-latency model)",
            value=None,
            unit="ms",
            target=20.0,
            status=PENDING,
        ),
        Figure(
            group=GROUP,
            name="Worker throughput, model with 1 s latency, vs threads / latency",
            value=None,
            unit="jobs/s",
            status=PENDING,
        ),
    ]
