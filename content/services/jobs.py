"""Services for generation jobs: ask for drafts (202 + a job), run a job on the worker, retry a
failed one. Every job keeps its inputs; a failed job says why in words a person can act on."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from dramatiq.middleware import TimeLimitExceeded

from content import announcements
from content.assistant import context as contexts
from content.assistant import pipeline, usage
from content.assistant.prompts import PROMPT_VERSION
from content.assistant.providers import ProviderError, provider_for, resolve_config
from content.errors import ContentError
from content.models import AssistantSettings, Brief, Channel, Draft, GenerationJob, InboxItem
from content.services.attention import sync_job_attention
from content.services.drafts import offer_new_drafts
from content.services.generation import assistant_settings
from outbox.services import record_event
from tenants.worker import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_VARIANTS = 5


def run_time_limit_seconds(*, timeout_seconds: float | None = None) -> float:
    """The longest one run of a job may take with calls that time out after ``timeout_seconds``
    (the platform's AI_TIMEOUT_SECONDS unless a brand set its own): a first call and one
    regeneration per variant, each with the SDK's own retries, plus a minute for the database."""
    timeout = float(timeout_seconds or settings.AI_TIMEOUT_SECONDS)
    per_call = timeout * (int(settings.AI_SDK_MAX_RETRIES) + 1)
    return float(per_call * (MAX_VARIANTS + 1) + 60)


def _brand_time_limit_seconds() -> float:
    """The run time limit for the current brand's jobs (its own AI timeout counts)."""
    return run_time_limit_seconds(timeout_seconds=resolve_config(assistant_settings()).timeout)


class RetryLater(Exception):
    """A retryable provider failure with attempts left: the worker retries with backoff."""


# The database could not be reached or dropped the connection: nothing was decided, the message
# must be retried (never dropped) and the job stays claimable by the same message.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _locked_settings() -> AssistantSettings:
    assistant_settings()
    # The row serialises budget checks (and the reservations they make) with each other and
    # with budget changes: two requests cannot both take the last of the budget.
    return AssistantSettings.objects.select_for_update().get(singleton=True)


def _enqueue(job: GenerationJob) -> None:
    from content.tasks import run_generation_job

    # A brand may allow its model longer calls than the platform default: the worker's time
    # limit for this message follows, or the job would be cut off mid-call.
    limit_ms = int(_brand_time_limit_seconds() * 1000)
    job.enqueued_at = timezone.now()
    GenerationJob.objects.filter(pk=job.pk).update(enqueued_at=job.enqueued_at)
    enqueue_on_commit(run_generation_job, job.pk, options={"time_limit": limit_ms})


def _check_variants(variants: int) -> None:
    if not 1 <= variants <= MAX_VARIANTS:
        raise ContentError(f"Ask for between 1 and {MAX_VARIANTS} variants.", field="variants")


def _reservation(brand_settings: AssistantSettings, variants: int) -> Any:
    return usage.reservation_for(
        variants=variants,
        judge=brand_settings.judge_enabled,
        offline=resolve_config(brand_settings).offline,
    )


def _create_job(*, now: datetime | None, **fields: Any) -> GenerationJob:
    with transaction.atomic():
        brand_settings = _locked_settings()
        reserve = _reservation(brand_settings, int(fields.get("variants", 1)))
        usage.ensure_budget_left(
            brand_settings=brand_settings, now=now or timezone.now(), reserve=reserve
        )
        job = GenerationJob.objects.create(cost_reserved=reserve, **fields)
        _enqueue(job)
    return job


def request_post_drafts(
    *,
    brief: Brief,
    channel: Channel | None = None,
    variants: int = 1,
    instructions: str = "",
    created_by: Any = None,
    now: datetime | None = None,
) -> GenerationJob:
    """Queue a job that writes ``variants`` post drafts for the brief on one channel."""
    _check_variants(variants)
    if channel is None:
        channels = list(brief.channels.all()[:2])
        if len(channels) != 1:
            raise ContentError(
                "Say which channel to write for: the brief has "
                + (
                    "no channel."
                    if not channels
                    else "several channels (or ask for all of them at once with generate-all)."
                ),
                field="channel",
            )
        channel = channels[0]
    return _create_job(
        now=now,
        kind=Draft.Kind.POST,
        brief=brief,
        channel=channel,
        variants=variants,
        inputs={
            "brief_id": brief.pk,
            "channel_id": channel.pk,
            "variants": variants,
            "instructions": instructions,
        },
        created_by=created_by,
    )


def request_post_drafts_for_channels(
    *,
    brief: Brief,
    channels: list[Channel] | None = None,
    variants: int = 1,
    instructions: str = "",
    created_by: Any = None,
    now: datetime | None = None,
) -> list[GenerationJob]:
    """Queue one post-drafts job per channel (the brief's channels unless ``channels`` names
    some), all or none: if the budget cannot hold every job, none is created."""
    _check_variants(variants)
    chosen = list(dict.fromkeys(channels)) if channels else list(brief.channels.order_by("pk"))
    if not chosen:
        raise ContentError(
            "The brief has no channel: name the channels to write for.", field="channels"
        )
    with transaction.atomic():
        return [
            request_post_drafts(
                brief=brief,
                channel=channel,
                variants=variants,
                instructions=instructions,
                created_by=created_by,
                now=now,
            )
            for channel in chosen
        ]


def request_replies(
    *,
    inbox_item: InboxItem,
    variants: int = 1,
    instructions: str = "",
    created_by: Any = None,
    now: datetime | None = None,
) -> GenerationJob:
    """Queue a job that writes ``variants`` replies to an incoming comment or message."""
    _check_variants(variants)
    return _create_job(
        now=now,
        kind=Draft.Kind.REPLY,
        inbox_item=inbox_item,
        channel=inbox_item.channel,
        variants=variants,
        inputs={
            "inbox_item_id": inbox_item.pk,
            "variants": variants,
            "instructions": instructions,
        },
        created_by=created_by,
    )


def ingest_inbox_item(**fields: Any) -> tuple[InboxItem, GenerationJob | None]:
    """Store a pushed-in comment, mention or message and, when the brand's policy
    (``AssistantSettings.auto_draft_replies``, on by default) says so, queue one reply job for
    it. A brand over its AI budget still gets the item, just no job (logged)."""
    from content.services.inbox import ingest_inbox_item as store

    with transaction.atomic():
        item = store(**fields)
        if not assistant_settings().auto_draft_replies:
            return item, None
        try:
            job = request_replies(inbox_item=item)
        except ContentError as exc:
            logger.warning("Inbox item %s stored without a reply job: %s", item.pk, exc.message)
            return item, None
    return item, job


def _ensure_revisable(draft: Draft) -> None:
    if draft.status == Draft.Status.PUBLISHED:
        raise ContentError(
            f"Draft {draft.pk} is published; write a new post instead.",
            status_code=409,
            code="conflict",
        )
    newer = Draft.objects.filter(parent=draft).values_list("pk", flat=True).first()
    if newer is not None:
        raise ContentError(
            f"Draft {draft.pk} already has a newer version (draft {newer}); work on that one.",
            status_code=409,
            code="conflict",
        )


def request_regeneration(
    *,
    draft: Draft,
    instructions: str = "",
    created_by: Any = None,
    now: datetime | None = None,
) -> GenerationJob:
    """Queue a job that writes the next version of a draft, with the team's instructions."""
    _ensure_revisable(draft)
    return _create_job(
        now=now,
        kind=draft.kind,
        source_draft=draft,
        brief=draft.brief,
        inbox_item=draft.inbox_item,
        channel=draft.channel,
        variants=1,
        inputs={"draft_id": draft.pk, "variants": 1, "instructions": instructions},
        created_by=created_by,
    )


def stuck_jobs(*, now: datetime) -> Q:
    """Jobs whose message is gone: queued with no message sent for AI_JOB_REQUEUE_AFTER_SECONDS
    (longer than any retry backoff), or running far past the worker's time limit (the worker
    died). Sending such a job again is safe: a claim lets only one run do the work."""
    queued_before = now - timedelta(seconds=settings.AI_JOB_REQUEUE_AFTER_SECONDS)
    running_before = now - timedelta(seconds=_brand_time_limit_seconds() * 1.5)
    return (
        Q(status=GenerationJob.Status.QUEUED, enqueued_at__lt=queued_before)
        | Q(
            status=GenerationJob.Status.QUEUED,
            enqueued_at__isnull=True,
            created_at__lt=queued_before,
        )
        | Q(status=GenerationJob.Status.RUNNING, started_at__lt=running_before)
    )


SWEEP_BATCH = 200


def requeue_stuck_jobs(*, now: datetime | None = None) -> list[int]:
    """Send every stuck job of the brand again (see ``stuck_jobs``); the ids it sent.

    Rows are taken with SKIP LOCKED so overlapping sweeps never send one job twice at once."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            GenerationJob.objects.filter(stuck_jobs(now=now))
            .select_for_update(skip_locked=True)
            .order_by("created_at")[:SWEEP_BATCH]
        )
        for job in stuck:
            GenerationJob.objects.filter(pk=job.pk).update(status=GenerationJob.Status.QUEUED)
            _enqueue(job)
    if stuck:
        logger.warning("Sent %s stuck generation jobs again: %s", len(stuck), [j.pk for j in stuck])
    return [job.pk for job in stuck]


def retry_job(*, job: GenerationJob, now: datetime | None = None) -> GenerationJob:
    """Queue a failed job again from its kept inputs, or send a stuck one (queued or running
    with its message gone, see ``stuck_jobs``) again."""
    now = now or timezone.now()
    with transaction.atomic():
        brand_settings = _locked_settings()
        current = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if current.status == GenerationJob.Status.FAILED:
            reserve = _reservation(brand_settings, current.variants)
            usage.ensure_budget_left(brand_settings=brand_settings, now=now, reserve=reserve)
            # What the failed runs cost stays spent; the new run reserves on top of it.
            GenerationJob.objects.filter(pk=job.pk).update(
                status=GenerationJob.Status.QUEUED,
                attempts=0,
                finished_at=None,
                step="",
                cost_reserved=F("cost_estimate") + reserve,
            )
            sync_job_attention()
        elif not GenerationJob.objects.filter(stuck_jobs(now=now), pk=job.pk).update(
            status=GenerationJob.Status.QUEUED
        ):
            raise ContentError(
                f"Job {job.pk} is {job.status} and not stuck; only failed jobs, and queued or "
                "running jobs whose message was lost, can be retried.",
                status_code=409,
                code="conflict",
            )
        job.refresh_from_db()
        _enqueue(job)
    return job


def _claim(
    job_id: int, now: datetime, *, time_limit: float, message_id: str = ""
) -> GenerationJob | None:
    """Move a queued job to running (or take over one whose worker died, or that the same
    message was running when it failed); None when another run owns it or it has finished,
    which makes the actor safe to run twice."""
    stale = now - timedelta(seconds=time_limit * 1.5)
    claimable = Q(status=GenerationJob.Status.QUEUED) | Q(
        status=GenerationJob.Status.RUNNING, started_at__lt=stale
    )
    if message_id:
        claimable |= Q(status=GenerationJob.Status.RUNNING, claimed_by=message_id)
    claimed = (
        GenerationJob.objects.filter(pk=job_id)
        .filter(claimable)
        .update(
            status=GenerationJob.Status.RUNNING,
            started_at=now,
            claimed_by=message_id,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return GenerationJob.objects.select_related(
        "brief__audience", "inbox_item", "channel", "source_draft__audience"
    ).get(pk=job_id)


def _fail(job: GenerationJob, *, code: str, reason: str, now: datetime) -> GenerationJob:
    job.status = GenerationJob.Status.FAILED
    job.failure_code = code
    job.failure_reason = reason
    job.finished_at = now
    job.save(
        update_fields=[
            "status",
            "failure_code",
            "failure_reason",
            "finished_at",
            "provider",
            "model",
            "tokens_in",
            "tokens_out",
            "cost_estimate",
        ]
    )
    record_event(
        name=announcements.DRAFT_FAILED, payload={"job_id": job.pk, "code": code, "reason": reason}
    )
    sync_job_attention()
    return job


def _inputs_gone(job: GenerationJob) -> bool:
    """Whether the brief or inbox item the job was for no longer exists."""
    return bool(
        (job.brief_id and not Brief.objects.filter(pk=job.brief_id).exists())
        or (job.inbox_item_id and not InboxItem.objects.filter(pk=job.inbox_item_id).exists())
    )


def _deliver(
    job: GenerationJob, ctx: contexts.GenerationContext, result: pipeline.PipelineResult
) -> list[Draft]:
    source = job.source_draft
    return offer_new_drafts(
        drafts=[
            Draft(
                kind=job.kind,
                channel=job.channel,
                text=checked.text,
                status=Draft.Status.DRAFT,
                version=(source.version + 1) if source else 1,
                parent=source,
                job=job,
                variant=checked.variant,
                brief=job.brief,
                audience=job.brief.audience if job.brief else (source.audience if source else None),
                inbox_item=job.inbox_item,
                provider=result.provider,
                model=result.model,
                prompt_version=PROMPT_VERSION,
                voice_version=ctx.voice.version,
                tokens_in=checked.tokens_in,
                tokens_out=checked.tokens_out,
                cost_estimate=usage.cost_for(
                    tokens_in=checked.tokens_in, tokens_out=checked.tokens_out
                ),
                latency_ms=checked.latency_ms,
                guardrail_violations=[v.as_dict() for v in checked.violations],
                novelty=checked.novelty.as_dict(),
                attempts=checked.attempts,
                risk_score=checked.risk.score,
                risk_reasons=checked.risk.reasons,
                flags=checked.flags,
                labels=checked.labels,
                needs_person=bool(checked.needs_person_reason),
                needs_person_reason=checked.needs_person_reason,
                created_by_id=job.created_by_id,
            )
            for checked in result.variants
        ]
    )


def _finish(job: GenerationJob, *, now: datetime) -> bool:
    """Mark the job succeeded with what it used, if this run still owns it (one conditional
    UPDATE, which also locks the row until the transaction ends): a run that was taken over
    (its worker stalled past the stale limit) must not deliver twice."""
    finished = GenerationJob.objects.filter(
        pk=job.pk, status=GenerationJob.Status.RUNNING, started_at=job.started_at
    ).update(
        status=GenerationJob.Status.SUCCEEDED,
        provider=job.provider,
        model=job.model,
        tokens_in=job.tokens_in,
        tokens_out=job.tokens_out,
        cost_estimate=job.cost_estimate,
        failure_code="",
        failure_reason="",
        finished_at=now,
    )
    if finished:
        job.status = GenerationJob.Status.SUCCEEDED
        job.failure_code, job.failure_reason = "", ""
        job.finished_at = now
    return bool(finished)


def _still_ours(job: GenerationJob) -> bool:
    """Whether this run still owns the job (locks the row until the transaction ends): a run
    that was taken over (its worker stalled past the stale limit) must not deliver twice."""
    return (
        GenerationJob.objects.select_for_update()
        .filter(pk=job.pk, status=GenerationJob.Status.RUNNING, started_at=job.started_at)
        .exists()
    )


def run_job(
    *, job_id: int, now: datetime | None = None, message_id: str = ""
) -> GenerationJob | None:
    """Run a queued job: generate, check, deliver drafts; or record why it failed.

    Raises RetryLater on a retryable provider failure while attempts are left (the job goes back
    to queued with the reason); returns None when there was nothing to do. A database error
    propagates untouched (the job stays claimed by ``message_id``, whose retry takes it over).
    """
    now = now or timezone.now()
    brand_settings = assistant_settings()
    config = resolve_config(brand_settings)
    job = _claim(
        job_id,
        now,
        time_limit=run_time_limit_seconds(timeout_seconds=config.timeout),
        message_id=message_id,
    )
    if job is None:
        return None
    if job.source_draft_id is None and (
        (job.kind == Draft.Kind.POST and job.brief_id is None)
        or (job.kind == Draft.Kind.REPLY and job.inbox_item_id is None)
    ):
        with transaction.atomic():
            return _fail(
                job,
                code="inputs_gone",
                reason="The brief or inbox item this job was for was deleted before it ran. "
                "The request is kept in the job's inputs; ask again with a new one.",
                now=timezone.now(),
            )
    provider = provider_for(config)
    try:
        ctx = contexts.context_for_job(job)
        # Progress for the job resource: the long part (the model) starts now.
        GenerationJob.objects.filter(pk=job.pk).update(step="writing")
        result = pipeline.run(
            ctx,
            provider,
            variants=job.variants,
            novelty_threshold=brand_settings.novelty_threshold,
            judge=brand_settings.judge_enabled,
        )
    except ProviderError as exc:
        job.provider, job.model = provider.name, provider.model
        # An answer that came back unusable was still billed: it counts against the budget.
        # Every attempt's billed tokens add up (a retried job keeps what earlier runs cost).
        job.tokens_in += exc.tokens_in
        job.tokens_out += exc.tokens_out
        job.cost_estimate = usage.cost_for(tokens_in=job.tokens_in, tokens_out=job.tokens_out)
        job.save(update_fields=["provider", "model", "tokens_in", "tokens_out", "cost_estimate"])
        if exc.retryable and job.attempts < settings.AI_JOB_MAX_ATTEMPTS:
            GenerationJob.objects.filter(pk=job.pk).update(
                status=GenerationJob.Status.QUEUED,
                enqueued_at=timezone.now(),
                step="",
                failure_code=exc.code,
                failure_reason=f"Attempt {job.attempts} failed: {exc.message} Retrying.",
            )
            raise RetryLater(exc.message) from exc
        reason = exc.message
        if exc.retryable:
            reason += f" Gave up after {job.attempts} attempts; retry the job later."
        with transaction.atomic():
            return _fail(job, code=exc.code, reason=reason, now=timezone.now())
    except TimeLimitExceeded:
        # An interrupt, not an Exception: without this the job would stay "running" for ever.
        with transaction.atomic():
            _fail(
                job,
                code="timed_out",
                reason="The job took longer than the worker allows and was stopped. Its inputs "
                "are kept: retry it, or ask for fewer variants or a faster model.",
                now=timezone.now(),
            )
        raise
    except DATABASE_UNAVAILABLE:
        raise
    except Exception:
        logger.exception("Generation job %s crashed", job.pk)
        with transaction.atomic():
            _fail(
                job,
                code="internal_error",
                reason="An internal error stopped this job. Its inputs are kept: retry it, "
                "and tell the platform team if it fails again.",
                now=timezone.now(),
            )
        raise
    # The provider was paid whatever happens next, so the spend is recorded either way.
    job.provider, job.model = result.provider, result.model
    job.tokens_in += result.tokens_in
    job.tokens_out += result.tokens_out
    job.cost_estimate = usage.cost_for(tokens_in=job.tokens_in, tokens_out=job.tokens_out)
    try:
        # One transaction, few statements: the job's conditional move to succeeded (which
        # also locks it, and finds a run that was taken over), the drafts, their
        # announcements. Foreign keys are checked at the latest at the commit, which is inside
        # this ``try``: a brief or inbox item deleted while the model was writing rolls it all
        # back and the job says so below, never left "running".
        with transaction.atomic():
            if not _finish(job, now=timezone.now()):
                logger.warning("Generation job %s was taken over by another run", job.pk)
                return None
            _deliver(job, ctx, result)
    except IntegrityError:
        job.status = GenerationJob.Status.RUNNING
        with transaction.atomic():
            if not _still_ours(job):
                logger.warning("Generation job %s was taken over by another run", job.pk)
                return None
            if _inputs_gone(job):
                return _fail(
                    job,
                    code="inputs_gone",
                    reason="The brief or inbox item this job was for was deleted while it ran. "
                    "The request is kept in the job's inputs; ask again with a new one.",
                    now=timezone.now(),
                )
            return _fail(
                job,
                code="draft_already_revised",
                reason="The draft was revised while this job ran; regenerate the newest version.",
                now=timezone.now(),
            )
    return job
