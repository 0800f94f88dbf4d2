"""The AI job pipeline's own cost on the worker (issue 3: the AI assistant).

Issue 8: with a zero-latency model server, <= 20 ms worker time per draft beyond the model;
with a model of 1 s latency, worker throughput ~ threads / latency. The model is
``bench.model_server`` on 127.0.0.1 (valid JSON-schema chat completions, fixed delay); the
platform AI settings point at it for the bench only (in-process with override_settings, and in
the worker's environment).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import dramatiq
import httpx2
import openai
from django.db import connection, transaction
from django.test.utils import override_settings
from django_tenants.utils import schema_context, tenant_context

from bench.context import ROOT, WORK_DIR, Bench, log
from bench.model_server import ModelServer
from bench.report import ABOUT, Figure
from bench.stats import median, percentile

GROUP = "AI pipeline"
TARGET_MS = 20.0
WORKER_CAP_S = 90.0  # the worker run stops here whatever happened
# The actors that run outbox events' reactions (outbox.tasks), replayed in-process by _react.
OUTBOX_ACTORS = frozenset({"react_to_outbox_event", "react_to_outbox_events"})


def _ai_env(base_url: str) -> dict[str, str]:
    return {
        "AI_BASE_URL": base_url,
        "AI_API_KEY": "bench-key",
        "AI_MODEL": "bench-model",
        "AI_SDK_MAX_RETRIES": "0",
        "AI_TIMEOUT_SECONDS": "10",
        "AI_JOB_MAX_ATTEMPTS": "1",
    }


def _ai_settings(base_url: str) -> override_settings:
    return override_settings(
        AI_BASE_URL=base_url,
        AI_API_KEY="bench-key",
        AI_MODEL="bench-model",
        AI_SDK_MAX_RETRIES=0,
        AI_TIMEOUT_SECONDS=10.0,
        AI_JOB_MAX_ATTEMPTS=1,
    )


class _Clocks:
    """Adds up the time spent inside a few functions while installed, per name: the model's
    HTTP call (httpx2's ``Client.send``, the openai SDK's HTTP library), building the openai
    client, and the approvals routing that the draft_ready signal runs on commit; and counts
    the SQL statements sent meanwhile."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {
            "http": 0.0,
            "client": 0.0,
            "approvals": 0.0,
            "reactions": 0.0,
            "cpu": 0.0,  # CPU time of the thread running the job and its reactions
        }
        self.queries = 0
        # The outbox messages sent meanwhile (actor name, args), for _react to run.
        self.messages: list[tuple[str, tuple[Any, ...]]] = []

    def _count(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.queries += 1
        return execute(*args)

    def _wrap(self, owner: object, attr: str, key: str) -> Callable[[], None]:
        original = getattr(owner, attr)
        seconds = self.seconds

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - started

        setattr(owner, attr, timed_call)
        return lambda: setattr(owner, attr, original)

    def _record_outbox_messages(self) -> Callable[[], None]:
        send = dramatiq.Actor.send_with_options
        messages = self.messages

        def recorded(actor: dramatiq.Actor, *, args: tuple = (), **options: Any) -> Any:
            if actor.actor_name in OUTBOX_ACTORS:
                messages.append((actor.actor_name, tuple(args)))
            return send(actor, args=args, **options)

        dramatiq.Actor.send_with_options = recorded  # type: ignore[method-assign]
        return lambda: setattr(dramatiq.Actor, "send_with_options", send)

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Clocks]:
        import approvals.services

        undo = [
            self._record_outbox_messages(),
            self._wrap(httpx2.Client, "send", "http"),
            self._wrap(openai.OpenAI, "__init__", "client"),
            self._wrap(approvals.services, "request_approval", "approvals"),
        ]
        try:
            with connection.execute_wrapper(self._count):
                yield self
        finally:
            for restore in reversed(undo):
                restore()


def _brand_with_brief(ctx: Bench) -> tuple[str, int]:
    """A brand (made the product's way) with a voice, a channel and a brief."""
    from content import services

    brand = ctx.new_brand("ai-bench")
    schema = brand.schema_name  # type: ignore[attr-defined]
    with schema_context(schema):
        channel = services.create_channel(network="x", handle="benchcoffee")
        services.create_voice_version(
            tone=["warm"], personality="A mountain café that knows its beans.", locale="en"
        )
        brief = services.create_brief(
            title="Autumn blend",
            key_message="Our autumn blend is back",
            call_to_action="Come taste it this week",
            channels=[channel],
        )
    return schema, brief.pk


def _react(clock: _Clocks, after_id: int) -> int:
    """Run the outbox messages the job sent (recorded by ``clock``), then the ones those
    reactions send, in-process and in order, as the worker runs them (one message per
    transaction's events); only the actors are timed and counted. Checks that no event
    written since ``after_id`` is left undone; returns the last event id."""
    from outbox import tasks
    from outbox.models import OutboxEvent

    while clock.messages:
        messages, clock.messages[:] = list(clock.messages), []
        with clock.installed():
            started, cpu = time.perf_counter(), time.thread_time()
            for actor_name, args in messages:
                getattr(tasks, actor_name).fn(*args)
            clock.seconds["reactions"] += time.perf_counter() - started
            clock.seconds["cpu"] += time.thread_time() - cpu
    events = OutboxEvent.objects.filter(pk__gt=after_id)
    if events.filter(dispatched_at__isnull=True).exists():
        raise RuntimeError("the bench left outbox events undone: a message it did not run")
    return events.order_by("-pk").values_list("pk", flat=True).first() or after_id


def _direct(brand: object, brief_id: int, count: int) -> tuple[list[float], dict[str, float], int]:
    """Run ``count`` + 1 jobs in-process through the job service against the zero-latency
    model, each followed by the reactions to what it announced (routing the draft, its
    webhook events and notices); returns (ms per draft beyond HTTP, median per draft of each
    timed part, drafts), leaving out the first job (imports, first connection)."""
    from content.models import Brief, Draft, GenerationJob
    from content.services import jobs
    from outbox.models import OutboxEvent

    beyond: list[float] = []
    parts: dict[str, list[float]] = {
        "http": [],
        "client": [],
        "approvals": [],
        "job": [],
        "reactions": [],
        "cpu": [],
        "queries": [],
        "job_queries": [],
    }
    drafts = 0
    # The brand as the worker's middleware sets it (connection.set_tenant with the Brand row),
    # so code that asks for the current brand finds it on the connection, as on the worker.
    with (
        ModelServer(latency=0.0) as server,
        _ai_settings(server.base_url),
        tenant_context(brand),
    ):
        brief = Brief.objects.get(pk=brief_id)
        channel = brief.channels.get()
        last_event = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        last_event = last_event or 0
        for i in range(count + 1):
            job = GenerationJob.objects.create(
                kind=Draft.Kind.POST,
                brief=brief,
                channel=channel,
                variants=1,
                inputs={"brief_id": brief.pk, "channel_id": channel.pk, "variants": 1},
            )
            clock = _Clocks()
            with clock.installed():
                started, cpu = time.perf_counter(), time.thread_time()
                done = jobs.run_job(job_id=job.pk)
                took = time.perf_counter() - started
                clock.seconds["cpu"] += time.thread_time() - cpu
            job_queries = clock.queries
            if done is None or done.status != GenerationJob.Status.SUCCEEDED:
                raise RuntimeError(f"bench job {job.pk} did not succeed: {done!r}")
            last_event = _react(clock, last_event)
            made = Draft.objects.filter(job=job).count()
            if i == 0:
                continue
            drafts += made
            worker = took - clock.seconds["http"] + clock.seconds["reactions"]
            beyond.append(1000 * worker / made)
            parts["job"].append(1000 * (took - clock.seconds["http"]) / made)
            for key in ("http", "client", "approvals", "reactions", "cpu"):
                parts[key].append(1000 * clock.seconds[key] / made)
            parts["queries"].append(clock.queries / made)
            parts["job_queries"].append(job_queries / made)
    return beyond, {k: median(v) for k, v in parts.items()}, drafts


def _worker(
    ctx: Bench, schema: str, brief_id: int, *, jobs_n: int, threads: int, latency: float
) -> tuple[float, float, int]:
    """A real ``rundramatiq`` worker against the slow model: (jobs/s while busy, wall seconds
    from enqueue to the last job done, jobs done)."""
    from content.models import Brief, GenerationJob
    from content.services import jobs

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log_path = WORK_DIR / "ai-worker.log"
    with ModelServer(latency=latency) as server:
        env = {**os.environ, **_ai_env(server.base_url)}
        cmd = [
            sys.executable,
            "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            str(threads),
            "--worker-shutdown-timeout",
            "5000",
        ]
        with open(log_path, "w") as out:
            worker = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            # Queued at once: the messages wait in the broker while the worker boots (its
            # INFO "ready" line is below the bench's log level), and the figure is taken from
            # the jobs' own start and finish times.
            ids = []
            with _ai_settings(server.base_url), schema_context(schema):
                brief = Brief.objects.get(pk=brief_id)
                enqueued = time.monotonic()
                for _ in range(jobs_n):
                    with transaction.atomic():
                        ids.append(jobs.request_post_drafts(brief=brief, variants=1).pk)
                deadline = time.monotonic() + WORKER_CAP_S
                while time.monotonic() < deadline:
                    left = (
                        GenerationJob.objects.filter(pk__in=ids)
                        .exclude(status__in=["succeeded", "failed"])
                        .count()
                    )
                    if not left or worker.poll() is not None:
                        break
                    time.sleep(0.1)
                wall = time.monotonic() - enqueued
                rows = list(
                    GenerationJob.objects.filter(pk__in=ids, status="succeeded").values_list(
                        "started_at", "finished_at"
                    )
                )
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=5)
    if len(rows) != jobs_n:
        raise RuntimeError(f"{len(rows)} of {jobs_n} worker jobs succeeded; see {log_path}")
    first: dt.datetime = min(r[0] for r in rows)
    last: dt.datetime = max(r[1] for r in rows)
    busy = (last - first).total_seconds()
    return jobs_n / busy, wall, len(rows)


def run(ctx: Bench) -> list[Figure]:
    sizes = ctx.sizes
    schema, brief_id = _brand_with_brief(ctx)
    from tenants.models import Brand

    brand = Brand.objects.get(schema_name=schema)
    beyond, parts, drafts = _direct(brand, brief_id, sizes.ai_direct_jobs)
    log(f"ai direct: {median(beyond):.1f} ms/draft beyond HTTP; parts {parts}")
    other_reactions = parts["reactions"] - parts["approvals"]
    threads, latency = sizes.ai_worker_threads, sizes.ai_model_latency_s
    rate, wall, done = _worker(
        ctx, schema, brief_id, jobs_n=sizes.ai_worker_jobs, threads=threads, latency=latency
    )
    log(f"ai worker: {rate:.2f} jobs/s ({done} jobs, {wall:.1f}s from enqueue)")
    ideal = threads / latency
    return [
        Figure(
            group=GROUP,
            name="Worker time per draft beyond the model (zero-latency model, median)",
            value=median(beyond),
            unit="ms",
            target=TARGET_MS,
            note=f"n={drafts}, p95 {percentile(beyond, 95):.1f} ms",
            details=[
                "Per job of one variant, in-process in the brand as the worker sets it"
                " (connection.set_tenant): content.services.jobs.run_job (the service the actor"
                " calls) minus the time inside httpx2's Client.send (the openai SDK's HTTP call"
                f" to the zero-latency model: median {parts['http']:.1f} ms a draft), plus the"
                " reactions to what the job announced, run as the worker's outbox messages run"
                " them (the outbox messages the job sent, one per transaction's events, then"
                " those the reactions sent, each run by its actor in turn): routing the ready"
                " draft through the approvals policy, its webhook events, the plan's follow-up"
                " and the notices."
                " The first job (imports, first connection) is left out.",
                f"Medians per draft: the job itself {parts['job']:.1f} ms"
                f" ({parts['job_queries']:.0f} SQL statements: settings, claim, context, step,"
                " then one transaction with the job's move to succeeded, the drafts and their"
                " announcements; the openai client is kept per process, building it"
                f" {parts['client']:.1f} ms), its reactions {parts['reactions']:.1f} ms, of"
                f" which approvals routing (request_approval) {parts['approvals']:.1f} ms and"
                f" the other reactions and the outbox's own bookkeeping {other_reactions:.1f} ms."
                f" {parts['queries']:.0f} SQL statements a draft in all (savepoints included;"
                " BEGIN, COMMIT and the broker's sends not), sent one after another; the time"
                " moves with the machine's load (load average in the header). CPU time of the"
                f" thread that ran the job and its reactions: {parts['cpu']:.1f} ms a draft"
                " (time.thread_time: Python, Django and the driver on this side, not"
                " PostgreSQL's work nor waiting for a core), the part of the figure that does"
                " not depend on the load.",
            ],
        ),
        Figure(
            group=GROUP,
            name="Statements per draft, the job and its reactions (one variant)",
            value=parts["queries"],
            unit="queries",
            details=[
                "SQL statements sent by the job and its outbox reactions, per draft (median),"
                " counted with an execute wrapper: savepoints included; BEGIN, COMMIT and the"
                f" broker's sends not. The job itself: {parts['job_queries']:.0f}.",
            ],
        ),
        Figure(
            group=GROUP,
            name="CPU time of the worker thread per draft (job and reactions)",
            value=parts["cpu"],
            unit="ms",
            details=[
                "time.thread_time of the thread that ran the job and its reactions, per draft"
                " (median): Python, Django and the driver on this side, not PostgreSQL's work"
                " nor waiting for a core, so it moves little with the machine's load.",
            ],
        ),
        Figure(
            group=GROUP,
            name=f"Worker throughput, {threads} threads, model with {latency:g} s latency",
            value=rate,
            unit="jobs/s",
            target=ideal,
            compare=ABOUT,
            note=f"{done} jobs, {wall:.1f} s from enqueue to the last done",
            details=[
                f"`manage.py rundramatiq --processes 1 --threads {threads}` (PostgreSQL"
                " broker, bench database) started as a real process; jobs queued through"
                " content.services.jobs.request_post_drafts (on commit, brand in the message)."
                " Throughput is jobs / (last finished_at - first started_at); the target is"
                f" threads / latency = {ideal:g} jobs/s. Each job holds a worker thread for the"
                " whole model call, so throughput is bounded by threads / (latency + the"
                " per-job work above); the wall time from enqueue also includes the broker"
                " handing the first message over and the worker's start-up.",
            ],
        ),
    ]
