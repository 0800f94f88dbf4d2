"""Where a generation job is, in steps and in words, for the job resource and the phone view's
"working..." line."""

from __future__ import annotations

from django.conf import settings

from content.models import GenerationJob

# A generation job's steps, in order: waiting for a worker, reading the brand, writing (the
# model call, checks and any rewrite), done.
JOB_STEPS = 3


def job_progress(job: GenerationJob) -> dict[str, object]:
    """``{"done": n, "total": JOB_STEPS, "detail": words}`` from the job's state."""
    status = job.status
    if status == GenerationJob.Status.QUEUED:
        if job.attempts:
            detail = (
                f"Waiting to retry (attempt {job.attempts + 1} of {settings.AI_JOB_MAX_ATTEMPTS})"
                + (f": {job.failure_reason}" if job.failure_reason else "")
            )
        else:
            detail = "Waiting for a worker"
        return {"done": 0, "total": JOB_STEPS, "detail": detail}
    if status == GenerationJob.Status.RUNNING:
        if job.step == "writing":
            plural = "s" if job.variants != 1 else ""
            detail = f"Writing {job.variants} variant{plural} and checking them"
            return {"done": 2, "total": JOB_STEPS, "detail": detail}
        return {"done": 1, "total": JOB_STEPS, "detail": "Reading the brand's voice and context"}
    if status == GenerationJob.Status.SUCCEEDED:
        return {"done": JOB_STEPS, "total": JOB_STEPS, "detail": "Done"}
    return {"done": JOB_STEPS, "total": JOB_STEPS, "detail": f"Failed: {job.failure_reason}"}


def rewrite_in_progress(*, draft_id: int) -> dict[str, object] | None:
    """The progress of a rewrite of this draft that is queued or running, if there is one."""
    job = (
        GenerationJob.objects.filter(
            source_draft_id=draft_id,
            status__in=[GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )
    return job_progress(job) if job else None
