"""Keeping a brand's attention rows in step with the brand's own data.

An app calls ``sync_attention`` for the kinds it owns inside the transaction that changed
them (and again from its reconciler). The rows are read *after* a per-brand, per-kinds lock is
taken, the way the sweep's due index is kept: under READ COMMITTED the collector then sees every
change committed by whoever held the lock before, so two concurrent changes cannot leave stale
rows behind.

Each app locks only its own kinds, and a transaction can only reach down the layers (a lower
app never calls a higher one), so the locks are always taken in layer order and two changes
cannot wait on each other's attention locks in a cycle.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction

from tenants.attention.models import AttentionKind, AttentionRow, ReadinessWeek
from tenants.roles import PERMISSIONS
from tenants.selectors import current_brand

# Who may see each kind at all: the roles of the action a person would take on it. A writer
# may narrow this (an approval step names its own roles), never widen it.
KIND_ACTIONS: dict[str, str] = {
    AttentionKind.APPROVAL_STEP: "approvals.decide",
    AttentionKind.CRISIS: "approvals.read",
    AttentionKind.INBOX_ITEM: "content.write",
    AttentionKind.AI_JOB_FAILED: "content.generate",
    AttentionKind.BOOST_PAUSED: "media.write",
    AttentionKind.BOOST_OFF_PACE: "media.write",
    AttentionKind.KPI_OFF_TRACK: "kpis.manage",
    AttentionKind.PLAN_GAP: "plan.manage",
    AttentionKind.TRIGGER_ALERT: "trigger_alerts.acknowledge",
}


def roles_for_kind(*, kind: str) -> frozenset[str]:
    """The roles that may see rows of ``kind`` (the roles of its action)."""
    roles, _scope = PERMISSIONS[KIND_ACTIONS[kind]]
    return roles


@dataclass(frozen=True)
class Attention:
    """One thing that waits, as the app that owns it describes it."""

    kind: str
    source_id: int
    title: str
    link: str
    since: datetime
    due_at: datetime | None = None
    # None: every role that may see the kind; otherwise only these (within those).
    roles: Iterable[str] | None = None
    user_ids: Iterable[int] = ()
    excluded_user_ids: Iterable[int] = ()


_FIELDS = (
    "title",
    "link",
    "since",
    "due_at",
    "urgent_at",
    "roles",
    "user_ids",
    "excluded_user_ids",
)


def _row(brand_id: int, item: Attention) -> AttentionRow:
    allowed = roles_for_kind(kind=item.kind)
    roles = allowed if item.roles is None else allowed & frozenset(item.roles)
    return AttentionRow(
        brand_id=brand_id,
        kind=item.kind,
        source_id=item.source_id,
        title=item.title[:300],
        link=item.link[:500],
        since=item.since,
        due_at=item.due_at,
        urgent_at=item.due_at or item.since,
        roles=sorted(roles),
        user_ids=sorted(set(item.user_ids)),
        excluded_user_ids=sorted(set(item.excluded_user_ids)),
    )


def _key(kinds: frozenset[str]) -> int:
    return zlib.crc32(",".join(sorted(kinds)).encode()) & 0x7FFFFFFF


def _lock(brand_id: int, kinds: frozenset[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [brand_id, _key(kinds)])


def sync_attention(
    *,
    kinds: Iterable[str],
    collect: Callable[[], Iterable[Attention]],
    source_ids: Iterable[int] | None = None,
) -> int:
    """Make the current brand's rows of ``kinds`` exactly what ``collect()`` returns (it runs
    under the lock, in the brand's schema). With ``source_ids`` only those things' rows are
    replaced (one inbox item, say), so a change costs what it touches. Returns how many rows
    were added, changed or removed, so a reconciler can say what it fixed."""
    wanted_kinds = frozenset(kinds)
    only = None if source_ids is None else frozenset(source_ids)
    brand_id = current_brand().pk
    # No savepoint inside a caller's transaction (two round trips on every change); a failure
    # here fails the caller's change as a whole, which is what it must do anyway.
    with transaction.atomic(savepoint=False):
        _lock(brand_id, wanted_kinds)
        wanted: dict[tuple[int, str, int], AttentionRow] = {}
        for item in collect():
            if item.kind not in wanted_kinds or (only is not None and item.source_id not in only):
                raise ValueError(f"sync of {sorted(wanted_kinds)} collected {item}")
            wanted[(brand_id, item.kind, item.source_id)] = _row(brand_id, item)
        rows = AttentionRow.objects.filter(brand_id=brand_id, kind__in=wanted_kinds)
        if only is not None:
            rows = rows.filter(source_id__in=only)
        return _replace(stored=list(rows), wanted=wanted)


def add_attention(*, items: Iterable[Attention]) -> int:
    """Rows for things made in the caller's transaction (a new request's open steps): no row
    can exist for them yet and no other sync can see them before it commits, so they are
    written in one statement, without ``sync_attention``'s lock and read. Returns rows written."""
    brand_id = current_brand().pk
    rows = [_row(brand_id, item) for item in items]
    _upsert(rows)
    return len(rows)


def _replace(
    *, stored: list[AttentionRow], wanted: dict[tuple[int, str, int], AttentionRow]
) -> int:
    """Delete the ``stored`` rows not ``wanted`` and write the wanted ones that differ."""
    by_key = {(row.brand_id, row.kind, row.source_id): row for row in stored}
    gone = [row.pk for key, row in by_key.items() if key not in wanted]
    changed = [
        row
        for key, row in wanted.items()
        if key not in by_key or any(getattr(row, f) != getattr(by_key[key], f) for f in _FIELDS)
    ]
    if gone:
        AttentionRow.objects.filter(pk__in=gone).delete()
    _upsert(changed)
    return len(gone) + len(changed)


def _upsert(rows: list[AttentionRow]) -> None:
    """Write ``rows`` in one statement, each replacing the row of its brand, kind and thing."""
    if rows:
        AttentionRow.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["brand", "kind", "source_id"],
            update_fields=[*_FIELDS, "updated_at"],
        )


def record_readiness(
    *, brand_id: int, week: date, overall: int | None, scores: dict[str, int], now: datetime
) -> ReadinessWeek:
    """Store the brand's readiness for the week starting ``week`` (a Monday); a later reading
    in the same week replaces the earlier one. One statement, safe to run twice at once."""
    if week.weekday() != 0:
        raise ValueError(f"week must be a Monday, not {week}")
    row, _created = ReadinessWeek.objects.update_or_create(
        brand_id=brand_id,
        week=week,
        defaults={"overall": overall, "scores": scores, "measured_at": now},
    )
    return row
