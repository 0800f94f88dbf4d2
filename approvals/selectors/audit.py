"""Reads and exports of the brand's audit trail."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from approvals.models import AuditEntry
from approvals.tenancy import brand_local
from brandroom.spreadsheets import safe_cell
from tenants.models import Brand
from tenants.selectors import current_brand

EXPORT_FIELDS = [
    "id",
    "at",
    "actor_id",
    "action",
    "subject_kind",
    "subject_id",
    "request_id",
    "step_id",
    "before",
    "after",
    "detail",
]


def audit_entries(
    *,
    subject_kind: str | None = None,
    subject_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The brand's audit trail, oldest first, optionally narrowed."""
    entries = AuditEntry.objects.order_by("at", "id")
    if subject_kind:
        entries = entries.filter(subject_kind=subject_kind)
    if subject_id is not None:
        entries = entries.filter(subject_id=subject_id)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    return entries


def _row(entry: AuditEntry, brand: Brand) -> dict[str, Any]:
    row = {name: getattr(entry, name) for name in EXPORT_FIELDS}
    # Like every time in a brand's API: ISO 8601 with the brand's UTC offset.
    row["at"] = brand_local(entry.at, brand).isoformat()
    return row


def export_audit(*, entries: QuerySet[AuditEntry], file_format: str) -> str:
    """The entries as CSV (before/after as JSON text) or as a JSON array."""
    brand = current_brand()
    rows = [_row(e, brand) for e in entries.iterator(chunk_size=2000)]
    if file_format == "json":
        return json.dumps(rows, default=str)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        row["before"] = json.dumps(row["before"]) if row["before"] is not None else ""
        row["after"] = json.dumps(row["after"]) if row["after"] is not None else ""
        # A decision comment is typed by a person: never let it run as a formula.
        writer.writerow({name: safe_cell(value) for name, value in row.items()})
    return out.getvalue()
