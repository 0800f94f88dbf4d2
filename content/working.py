"""AI jobs on the staff cockpit's "Working now" panel (see tenants/attention/working.py)."""

from __future__ import annotations

from typing import Any

from content.models import GenerationJob
from content.progress import job_progress
from tenants.attention.selectors import MemberBrand
from tenants.attention.working import WorkSource, register_work_source


def _describe(brand: MemberBrand, row: dict[str, Any]) -> tuple[str, str, int, int, str]:
    job = GenerationJob(
        status=row["status"],
        step=row["step"] or "",
        variants=row["variants"],
        attempts=row["attempts"],
        failure_reason=row["failure_reason"] or "",
    )
    progress = job_progress(job)
    if row["source_draft_id"]:
        title = f"A new version of draft #{row['source_draft_id']}"
    elif row["kind"] == "reply":
        title = "A reply to an inbox item"
    else:
        plural = "s" if row["variants"] != 1 else ""
        title = f"{row['variants']} post draft{plural}" + (
            f" for brief #{row['brief_id']}" if row["brief_id"] else ""
        )
    return (
        title,
        str(progress["detail"]),
        int(progress["done"]),  # type: ignore[call-overload]
        int(progress["total"]),  # type: ignore[call-overload]
        f"/brands/{brand.slug}/api/v1/jobs/{row['id']}/",
    )


QUEUED, RUNNING = GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING


def register() -> None:
    register_work_source(
        WorkSource(
            kind="ai_job",
            table=GenerationJob._meta.db_table,
            columns=(
                "status",
                "step",
                "kind",
                "variants",
                "attempts",
                "failure_reason",
                "brief_id",
                "source_draft_id",
            ),
            working=f"t.status IN ('{QUEUED}', '{RUNNING}')",
            describe=_describe,
        )
    )
