"""Reading the audit trail: one brand's entries, and the same as a CSV file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from brandroom.spreadsheets import safe_cell
from tenants.audit.models import AuditEntry
from tenants.models import Brand

CSV_COLUMNS = [
    "id",
    "at",
    "action",
    "actor_kind",
    "actor_user_id",
    "actor_api_key_id",
    "actor_label",
    "subject_kind",
    "subject_id",
    "subject_label",
    "before",
    "after",
    "detail",
]


def audit_entries(
    *,
    brand: Brand,
    action: str | None = None,
    subject_kind: str | None = None,
    subject_id: int | None = None,
    since: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The brand's entries, oldest first (ids grow with time: the table is append-only),
    optionally narrowed."""
    entries = AuditEntry.objects.filter(brand_id=brand.pk).order_by("id")
    if action:
        entries = entries.filter(action=action)
    if subject_kind:
        entries = entries.filter(subject_kind=subject_kind)
    if subject_id is not None:
        entries = entries.filter(subject_id=subject_id)
    if since is not None:
        entries = entries.filter(at__gte=since)
    return entries


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return str(safe_cell(text))


def audit_csv_lines(*, entries: QuerySet[AuditEntry], tz: ZoneInfo) -> Iterator[str]:
    """The entries as CSV text, one line at a time (a header first); times in ``tz``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        row = {name: getattr(entry, name) for name in CSV_COLUMNS}
        row["at"] = entry.at.astimezone(tz).isoformat()
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()
