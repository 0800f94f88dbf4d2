"""Organic results from integrators: lifetime counters of published posts observed at a time,
and daily figures per channel. A batch is stored whole or not at all.

Rules for post snapshots: counters are cumulative, so along a post's timeline no counter may go
down unless the lower snapshot says it is a correction; sending a snapshot again for the same
observed time is idempotent (identical figures change nothing; different ones replace it, and a
lower figure there is a correction too). Each snapshot keeps what every counter grew since the
previous one (``d_*``), and the daily rollup is rebuilt for the brand-local days that changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from content import selectors as content
from results.errors import ResultsError
from results.models import (
    CHANNEL_FIGURES,
    POST_COUNTERS,
    ChannelDay,
    PostSnapshot,
    PostTotals,
    ResultDay,
)
from results.services.kpis import evaluate_kpis_on_commit
from tenants.models import Brand

MAX_BATCH = 500
# A network's clock and ours differ a little; further ahead than this is a mistake.
FUTURE_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class IngestOutcome:
    created: int
    updated: int
    unchanged: int


@dataclass
class _Point:
    at: datetime
    values: dict[str, int]
    correction: bool
    index: int | None  # the batch item, or None for a stored snapshot


def _where(kind: str, index: int, field: str) -> str:
    return f"{kind}.{index}.{field}"


def ingest_post_snapshots(
    *, brand: Brand, snapshots: list[dict[str, Any]], now: datetime | None = None
) -> IngestOutcome:
    """Store a batch of post snapshots (each: ``external_id``, ``observed_at``, the counters,
    ``correction``); a 400 naming ``snapshots.<index>.<field>`` refuses the whole batch."""
    now = now or timezone.now()
    if len(snapshots) > MAX_BATCH:
        raise ResultsError(f"Send at most {MAX_BATCH} snapshots at a time.", field="snapshots")
    for index, item in enumerate(snapshots):
        if item["observed_at"] > now + FUTURE_SLACK:
            raise ResultsError(
                "The snapshot is observed in the future.",
                field=_where("snapshots", index, "observed_at"),
            )
    with transaction.atomic():
        _without_jit()
        draft_of = _published_drafts(snapshots)
        draft_ids = sorted(set(draft_of.values()))
        # One row per post serialises its ingestion: the timeline checks below see every
        # snapshot stored before them.
        _lock_posts(draft_ids)
        incoming: dict[int, dict[datetime, _Point]] = defaultdict(dict)
        for index, item in enumerate(snapshots):
            draft_id = draft_of[item["external_id"]]
            point = _Point(
                at=item["observed_at"],
                values={name: item.get(name, 0) for name in POST_COUNTERS},
                correction=bool(item.get("correction", False)),
                index=index,
            )
            earlier = incoming[draft_id].get(point.at)
            if earlier is not None and (
                earlier.values != point.values or earlier.correction != point.correction
            ):
                raise ResultsError(
                    f"Snapshot {earlier.index} reports the same post at the same time with "
                    "other figures.",
                    field=_where("snapshots", index, "observed_at"),
                )
            incoming[draft_id][point.at] = point
        stored = _stored_neighbours(incoming)
        created, updated, unchanged = _check_timelines(incoming, stored)
        changed = created | updated
        if changed:
            _upsert(
                [
                    (draft_id, point)
                    for draft_id, points in incoming.items()
                    for point in points.values()
                    if point.index in changed
                ]
            )
            touched = _recompute_growth(incoming, stored)
            _refresh_totals(sorted(incoming))
            tz = ZoneInfo(brand.timezone)
            rebuild_days(tz=tz, days={at.astimezone(tz).date() for at in touched})
            evaluate_kpis_on_commit()
    return IngestOutcome(created=len(created), updated=len(updated), unchanged=unchanged)


def _without_jit() -> None:
    """Turn PostgreSQL's JIT compiler off for the rest of the transaction. The growth rewrite's
    plan is estimated from a row guess per post (dozens of snapshots in the range, where there
    are one to three), which crosses jit_above_cost: compiling then took ~70 ms of a statement
    that runs in ~8 ms, in every batch."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def _published_drafts(snapshots: list[dict[str, Any]]) -> dict[str, int]:
    """external id -> published draft id; a 400 for the first item naming no single post."""
    wanted = {item["external_id"] for item in snapshots}
    found: dict[str, list[int]] = defaultdict(list)
    for draft_id, external_id in (
        content.drafts()
        .filter(external_id__in=wanted, status="published")
        .values_list("id", "external_id")
    ):
        found[external_id].append(draft_id)
    for index, item in enumerate(snapshots):
        ids = found.get(item["external_id"], [])
        if not ids:
            raise ResultsError(
                f"No published post has the external id '{item['external_id']}'.",
                field=_where("snapshots", index, "external_id"),
            )
        if len(ids) > 1:
            raise ResultsError(
                f"Several published posts have the external id '{item['external_id']}'.",
                field=_where("snapshots", index, "external_id"),
            )
    return {external_id: ids[0] for external_id, ids in found.items()}


def _lock_posts(draft_ids: list[int]) -> None:
    """Make sure each post has its totals row and lock those rows, in id order."""
    totals = PostTotals._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {totals} (draft_id, {', '.join(POST_COUNTERS)}) "
            f"SELECT d, {', '.join(['0'] * len(POST_COUNTERS))} FROM unnest(%s::bigint[]) AS d "
            "ON CONFLICT (draft_id) DO NOTHING",
            [_array(draft_ids)],
        )
        cursor.execute(
            f"SELECT draft_id FROM {totals} WHERE draft_id = ANY(%s::bigint[]) "
            "ORDER BY draft_id FOR UPDATE",
            [_array(draft_ids)],
        )


def _array(values: Iterable[int | bool | datetime]) -> str:
    """A PostgreSQL array literal of whole numbers, booleans or aware times, bound as one text
    parameter. psycopg adapts a list element by element in Python: the batch's statements bind
    ~20 arrays of 500, and adapting them took 40-70 ms of each batch; PostgreSQL parses the
    literal (cast by the statement, e.g. ``%s::bigint[]``) in well under a millisecond."""
    return "{" + ",".join(_array_element(value) for value in values) + "}"


def _array_element(value: int | bool | datetime) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError("A naive time cannot be bound: its zone would be the session's.")
        return value.isoformat()
    return str(int(value))


def _upsert(rows: list[tuple[int, _Point]]) -> None:
    """Insert the snapshots, or replace the stored ones at the same time (one statement, one
    array per column: 500 rows of 19 values each would be 9,500 parameters to bind)."""
    table = PostSnapshot._meta.db_table
    columns = ", ".join(POST_COUNTERS)
    casts = ", ".join(["%s::bigint[]"] * len(POST_COUNTERS))
    assign = ", ".join(f"{name} = EXCLUDED.{name}" for name in POST_COUNTERS)
    sql = f"""
        INSERT INTO {table} (draft_id, observed_at, is_correction, {columns},
            {", ".join(f"d_{n}" for n in POST_COUNTERS)}, created_at, updated_at)
        SELECT u.*, {", ".join(["0"] * len(POST_COUNTERS))}, now(), now()
        FROM unnest(%s::bigint[], %s::timestamptz[], %s::boolean[], {casts}) AS u
        ON CONFLICT (draft_id, observed_at) DO UPDATE SET
            is_correction = EXCLUDED.is_correction, {assign}, updated_at = now()
    """
    params = [
        _array(draft_id for draft_id, _p in rows),
        _array(p.at for _d, p in rows),
        _array(p.correction for _d, p in rows),
        *[_array(p.values[name] for _d, p in rows) for name in POST_COUNTERS],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _stored_neighbours(
    incoming: dict[int, dict[datetime, _Point]],
) -> dict[int, dict[datetime, _Point]]:
    """Per post, the stored snapshots the batch must agree with: the last one before the
    batch's first time, all within its span, and the first one after its last (one query)."""
    bounds = [(draft_id, min(points), max(points)) for draft_id, points in incoming.items()]
    columns = ", ".join(f"s.{name}" for name in POST_COUNTERS)
    table = PostSnapshot._meta.db_table
    sql = f"""
        WITH bounds(draft_id, lo, hi) AS (
            SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[])
        )
        SELECT b.draft_id, s.observed_at, s.is_correction, {columns}
        FROM bounds b CROSS JOIN LATERAL (
            (SELECT * FROM {table} p WHERE p.draft_id = b.draft_id AND p.observed_at < b.lo
             ORDER BY p.observed_at DESC LIMIT 1)
            UNION ALL
            (SELECT * FROM {table} p WHERE p.draft_id = b.draft_id
             AND p.observed_at BETWEEN b.lo AND b.hi)
            UNION ALL
            (SELECT * FROM {table} p WHERE p.draft_id = b.draft_id AND p.observed_at > b.hi
             ORDER BY p.observed_at LIMIT 1)
        ) s
    """
    params = [_array(column) for column in zip(*bounds, strict=True)]
    stored: dict[int, dict[datetime, _Point]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for draft_id, at, correction, *figures in cursor.fetchall():
            stored[draft_id][at] = _Point(
                at=at,
                values=dict(zip(POST_COUNTERS, figures, strict=True)),
                correction=correction,
                index=None,
            )
    return stored


def _check_timelines(
    incoming: dict[int, dict[datetime, _Point]], stored: dict[int, dict[datetime, _Point]]
) -> tuple[set[int], set[int], int]:
    """Refuse the batch at the first counter that goes down; return the batch indexes that are
    new, the ones that replace a stored snapshot, and how many repeat one unchanged."""
    created: set[int] = set()
    updated: set[int] = set()
    unchanged = 0
    for draft_id, points in incoming.items():
        old = stored.get(draft_id, {})
        for at, point in points.items():
            before = old.get(at)
            if before is None:
                created.add(point.index)  # type: ignore[arg-type]
            elif before.values == point.values and before.correction == point.correction:
                unchanged += 1
            else:
                if not point.correction:
                    for name in POST_COUNTERS:
                        if point.values[name] < before.values[name]:
                            raise ResultsError(
                                f"{name} {point.values[name]} is lower than the "
                                f"{before.values[name]} already reported for {at.isoformat()}; "
                                "mark the snapshot as a "
                                "correction to lower it.",
                                field=_where("snapshots", point.index, name),  # type: ignore[arg-type]
                            )
                updated.add(point.index)  # type: ignore[arg-type]
        timeline = sorted({**old, **points}.values(), key=lambda p: p.at)
        for earlier, later in zip(timeline, timeline[1:], strict=False):
            if later.correction:
                continue
            for name in POST_COUNTERS:
                if later.values[name] >= earlier.values[name]:
                    continue
                if later.index is not None:
                    raise ResultsError(
                        f"{name} {later.values[name]} is lower than the {earlier.values[name]} "
                        f"reported at {earlier.at.isoformat()}; counters never go down unless "
                        "the snapshot is marked as a correction.",
                        field=_where("snapshots", later.index, name),
                    )
                raise ResultsError(
                    f"{name} {earlier.values[name]} is higher than the {later.values[name]} "
                    f"reported later, at {later.at.isoformat()}; counters never go down.",
                    field=_where("snapshots", earlier.index, name),  # type: ignore[arg-type]
                )
    return created, updated, unchanged


def _recompute_growth(
    incoming: dict[int, dict[datetime, _Point]], stored: dict[int, dict[datetime, _Point]]
) -> list[datetime]:
    """Rewrite ``d_*`` of the snapshots whose predecessor may have changed (from the batch's
    first time to the first stored one after its last); returns their observed times."""
    bounds = []
    for draft_id, points in incoming.items():
        lo, hi = min(points), max(points)
        known = sorted(stored.get(draft_id, {}))
        start = max((t for t in known if t < lo), default=lo)
        stop = min((t for t in known if t > hi), default=hi)
        bounds.append((draft_id, start, lo, stop))
    table = PostSnapshot._meta.db_table
    growth = ", ".join(
        f"s.{name} - LAG(s.{name}, 1, 0::bigint) OVER w AS d_{name}" for name in POST_COUNTERS
    )
    assign = ", ".join(f"d_{name} = calc.d_{name}" for name in POST_COUNTERS)
    sql = f"""
        WITH bounds(draft_id, start, lo, stop) AS (
            SELECT * FROM unnest(
                %s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[]
            )
        ),
        calc AS (
            SELECT s.id, s.observed_at, b.lo, {growth}
            FROM {table} s JOIN bounds b ON b.draft_id = s.draft_id
            WHERE s.observed_at BETWEEN b.start AND b.stop
            WINDOW w AS (PARTITION BY s.draft_id ORDER BY s.observed_at)
        )
        UPDATE {table} t SET {assign}
        FROM calc WHERE t.id = calc.id AND calc.observed_at >= calc.lo
        RETURNING t.observed_at
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [_array(column) for column in zip(*bounds, strict=True)])
        return [row[0] for row in cursor.fetchall()]


def _refresh_totals(draft_ids: list[int]) -> None:
    """Each post's latest counters, from its newest snapshot (one index probe per post)."""
    table = PostSnapshot._meta.db_table
    totals = PostTotals._meta.db_table
    columns = ", ".join(POST_COUNTERS)
    assign = ", ".join(f"{name} = EXCLUDED.{name}" for name in POST_COUNTERS)
    sql = f"""
        INSERT INTO {totals} (draft_id, observed_at, {columns})
        SELECT d.id, s.observed_at, {", ".join(f"s.{n}" for n in POST_COUNTERS)}
        FROM unnest(%s::bigint[]) AS d(id) CROSS JOIN LATERAL (
            SELECT * FROM {table} p WHERE p.draft_id = d.id ORDER BY p.observed_at DESC LIMIT 1
        ) s
        ON CONFLICT (draft_id) DO UPDATE SET observed_at = EXCLUDED.observed_at, {assign}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [_array(draft_ids)])


def rebuild_days(*, tz: ZoneInfo, days: set[date]) -> None:
    """Rebuild the daily rollup for these brand-local days from the snapshots. Runs under a
    per-brand transaction lock so two batches touching one day cannot both write it."""
    if not days:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.results_days'))"
        )
    start = datetime.combine(min(days), time.min, tzinfo=tz)
    end = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=tz)
    drafts, briefs = content.drafts().model._meta.db_table, content.briefs().model._meta.db_table
    counters = ", ".join(POST_COUNTERS)
    # Each post's growth per day first, then the posts joined to their slice: a day holds a
    # snapshot per post and hour, so this joins posts once each instead of once per snapshot.
    sql = f"""
        INSERT INTO {ResultDay._meta.db_table}
            (day, channel_id, audience_id, campaign, pillar_id, posts, {counters})
        SELECT s.day, d.channel_id, d.audience_id, COALESCE(b.campaign, ''), b.pillar_id,
            COUNT(*),
            {", ".join(f"SUM(s.{name})" for name in POST_COUNTERS)}
        FROM (
            SELECT draft_id, (observed_at AT TIME ZONE %s)::date AS day,
                {", ".join(f"SUM(d_{name}) AS {name}" for name in POST_COUNTERS)}
            FROM {PostSnapshot._meta.db_table}
            WHERE observed_at >= %s AND observed_at < %s
            GROUP BY draft_id, day
        ) s
        JOIN {drafts} d ON d.id = s.draft_id
        LEFT JOIN {briefs} b ON b.id = d.brief_id
        WHERE s.day = ANY(%s::date[])
        GROUP BY s.day, d.channel_id, d.audience_id, COALESCE(b.campaign, ''), b.pillar_id
    """
    ResultDay.objects.filter(day__in=days).delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, [tz.key, start, end, sorted(days)])


def ingest_channel_days(*, days: list[dict[str, Any]]) -> IngestOutcome:
    """Store a batch of channel days (each: ``channel``, ``day`` and the figures); a day sent
    again replaces the stored one. A 400 naming ``days.<index>.<field>`` refuses the batch."""
    if len(days) > MAX_BATCH:
        raise ResultsError(f"Send at most {MAX_BATCH} channel days at a time.", field="days")
    known = set(
        content.channels().filter(pk__in={d["channel"] for d in days}).values_list("pk", flat=True)
    )
    seen: dict[tuple[int, date], int] = {}
    for index, item in enumerate(days):
        if item["channel"] not in known:
            raise ResultsError(
                f"The brand has no channel {item['channel']}.",
                field=_where("days", index, "channel"),
            )
        sentiment = sum(
            item.get(n, 0) for n in ("positive_mentions", "neutral_mentions", "negative_mentions")
        )
        if sentiment > item.get("mentions", 0):
            raise ResultsError(
                "Positive, neutral and negative mentions add up to more than the mentions.",
                field=_where("days", index, "mentions"),
            )
        key = (item["channel"], item["day"])
        if key in seen:
            raise ResultsError(
                f"Channel day {seen[key]} reports the same channel and day.",
                field=_where("days", index, "day"),
            )
        seen[key] = index
    with transaction.atomic():
        existing = {
            (row["channel_id"], row["day"]): row
            for row in ChannelDay.objects.filter(
                channel_id__in=known, day__in={d["day"] for d in days}
            ).values("channel_id", "day", *CHANNEL_FIGURES)
        }
        created = updated = unchanged = 0
        rows = []
        for item in days:
            figures = {name: item.get(name, 0) for name in CHANNEL_FIGURES}
            before = existing.get((item["channel"], item["day"]))
            if before is None:
                created += 1
            elif all(before[n] == figures[n] for n in CHANNEL_FIGURES):
                unchanged += 1
                continue
            else:
                updated += 1
            rows.append(ChannelDay(channel_id=item["channel"], day=item["day"], **figures))
        ChannelDay.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["channel", "day"],
            update_fields=[*CHANNEL_FIGURES, "updated_at"],
        )
        if rows:
            evaluate_kpis_on_commit()
    return IngestOutcome(created=created, updated=updated, unchanged=unchanged)
