"""Work a person started that is still going on in the background, across their brands.

The cockpit's "Working now" panel: AI jobs still queued or running, assets whose renditions are
still being made, each with its real state. Those live in the brands' schemas, owned by apps
above this one, so each app registers a ``WorkSource`` when it starts: the table, the
condition that means "still working", and how to put a row into words. One statement reads
them all, a ``UNION ALL`` over the person's brand schemas, whatever the number of brands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction

from tenants.attention.selectors import MemberBrand

logger = logging.getLogger(__name__)

# Work started longer ago than this is not "working" any more: the stuck-work sweeps own it.
WINDOW = timedelta(days=1)
# Rows on the panel, newest first.
SHOWN = 50


@dataclass(frozen=True)
class Working:
    brand: MemberBrand
    kind: str
    id: int
    title: str
    detail: str
    done: int
    total: int
    link: str
    since: datetime


@dataclass(frozen=True)
class WorkSource:
    """``table``: the brand-schema table; ``columns``: what ``describe`` reads (besides ``id``
    and ``created_at``); ``working``: SQL condition on them meaning the work is still going on.
    ``describe(brand, row)`` returns (title, detail, done, total, link)."""

    kind: str
    table: str
    columns: tuple[str, ...]
    working: str
    describe: Callable[[MemberBrand, dict[str, Any]], tuple[str, str, int, int, str]]


_sources: dict[str, WorkSource] = {}


def register_work_source(source: WorkSource) -> None:
    _sources[source.kind] = source


def working_for(*, user_id: int, brands: dict[str, MemberBrand], now: datetime) -> list[Working]:
    """What ``user_id`` started in these brands that is still working, newest first."""
    if not brands or not _sources:
        return []
    by_id = {b.id: b for b in brands.values()}
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for source in _sources.values():
        payload = ", ".join(f"'{c}', t.{quote(c)}" for c in source.columns)
        for brand in by_id.values():
            parts.append(
                f"SELECT %s::bigint AS brand_id, %s::text AS kind, t.id, t.created_at,"
                f" json_build_object({payload}) AS payload"
                f" FROM {quote(brand.schema_name)}.{quote(source.table)} t"
                f" WHERE t.created_by_id = %s AND t.created_at >= %s AND ({source.working})"
            )
            params += [brand.id, source.kind, user_id, now - WINDOW]
    sql = " UNION ALL ".join(parts) + " ORDER BY created_at DESC, id DESC LIMIT %s"
    params.append(SHOWN)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    except DatabaseError:
        # A brand whose schema is behind (its migration failed) must not take the cockpit
        # down with it: the panel is left out, the failure logged for operators.
        logger.exception("could not read the work in progress of user %s", user_id)
        return []
    found = []
    for brand_id, kind, pk, created_at, payload in rows:
        brand = by_id[brand_id]
        title, detail, done, total, link = _sources[kind].describe(brand, {"id": pk, **payload})
        found.append(
            Working(
                brand=brand,
                kind=kind,
                id=pk,
                title=title,
                detail=detail,
                done=done,
                total=total,
                link=link,
                since=created_at,
            )
        )
    return found
