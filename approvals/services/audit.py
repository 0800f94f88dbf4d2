"""The brand's append-only audit trail: every state change, with who, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from approvals.models import AuditEntry


def record(
    *,
    action: str,
    at: datetime,
    actor_id: int | None = None,
    subject_kind: str = "",
    subject_id: int | None = None,
    request_id: int | None = None,
    step_id: int | None = None,
    before: Any = None,
    after: Any = None,
    detail: str = "",
) -> AuditEntry:
    """Append one audit entry (inside the caller's transaction, so it commits with the change)."""
    entry = audit_entry(
        action=action,
        at=at,
        actor_id=actor_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        request_id=request_id,
        step_id=step_id,
        before=before,
        after=after,
        detail=detail,
    )
    entry.save(force_insert=True)
    return entry


def audit_entry(
    *,
    action: str,
    at: datetime,
    actor_id: int | None = None,
    subject_kind: str = "",
    subject_id: int | None = None,
    request_id: int | None = None,
    step_id: int | None = None,
    before: Any = None,
    after: Any = None,
    detail: str = "",
) -> AuditEntry:
    """The unsaved entry ``record`` appends, for writers that insert many in one statement."""
    return AuditEntry(
        at=at,
        actor_id=actor_id,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        request_id=request_id,
        step_id=step_id,
        before=before,
        after=after,
        detail=detail,
    )
