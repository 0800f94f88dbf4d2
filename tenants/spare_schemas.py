"""Brand schemas made ahead of time, so creating a brand renames one instead of building one.

Replaying the template's DDL (``tenants.schema_replay``) costs PostgreSQL about 0.35 s of CPU per
brand on the bench machine, ~300 statements making ~400 relations, whatever the number of brands:
that alone misses the 0.3 s a brand creation may take, and on a busy machine it takes seconds.
So a few spare schemas are kept at the template's migration state (made by the worker after each
brand creation, and by ``migrate_schemas``), and ``create_brand`` claims one with
``ALTER SCHEMA ... RENAME`` (one catalog row). Nothing in a brand schema names its own schema
(column defaults hold sequence oids, trigger functions use the search_path), so the renamed spare
is the schema a replay would have made. With no spare ready, provisioning replays as before.

A spare is tagged (``COMMENT ON SCHEMA``) with a digest of the template's migration state it was
made at; one made at any other state is never claimed and is dropped by the next refill.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import connection, transaction

from tenants import schema_replay

# Brand schemas are "brand_<slug>" and the template "brand_template": no brand can get this name.
PREFIX = "spare_brand_"
# pg_advisory lock keys (one bigint namespace shared by the whole database).
_REFILL_LOCK = 0x5350_4152_4546  # "SPAREF": one refill at a time
_CLAIM_LOCK_CLASS = 0x5350  # with hashtext(name): one claimant per spare


def state_digest(state: frozenset[tuple[str, str]]) -> str:
    """A short, stable name for a template migration state (what a spare's tag holds)."""
    text = "\n".join(f"{app}.{name}" for app, name in sorted(state))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _spares(cursor) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """Every spare schema with its tag, oldest name first."""
    cursor.execute(
        "SELECT n.nspname, pg_catalog.obj_description(n.oid, 'pg_namespace')"
        " FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE %s ORDER BY n.nspname",
        [PREFIX.replace("_", r"\_") + "%"],
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]


def claim(*, schema: str, state: frozenset[tuple[str, str]]) -> bool:
    """Rename a spare made at the template's ``state`` to ``schema``; False when none is ready.

    Runs in the caller's transaction: if that rolls back, the spare is a spare again.
    """
    digest = state_digest(state)
    with transaction.atomic(), connection.cursor() as cursor:
        for name, tag in _spares(cursor):
            if tag != digest:
                continue
            # Another process claiming the same spare holds its lock until it commits; after
            # that the spare is gone, so check it is still there once the lock is ours.
            cursor.execute(
                "SELECT pg_catalog.pg_try_advisory_xact_lock(%s, pg_catalog.hashtext(%s))",
                [_CLAIM_LOCK_CLASS, name],
            )
            if not cursor.fetchone()[0]:
                continue
            cursor.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", [name])
            if cursor.fetchone() is None:
                continue
            quoted = connection.ops.quote_name(schema)
            cursor.execute(f"ALTER SCHEMA {connection.ops.quote_name(name)} RENAME TO {quoted}")
            cursor.execute(f"COMMENT ON SCHEMA {quoted} IS NULL")
            return True
    return False


def refill(*, state: frozenset[tuple[str, str]], count: int | None = None) -> int:
    """Drop spares not made at the template's ``state`` and make spares until ``count`` are
    ready (``BRAND_SPARE_SCHEMAS`` by default); returns how many were made. Safe to run twice
    and from several workers at once (one refills, the others return)."""
    wanted = settings.BRAND_SPARE_SCHEMAS if count is None else count
    digest = state_digest(state)
    template = str(settings.TENANT_BASE_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_catalog.pg_try_advisory_lock(%s)", [_REFILL_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        try:
            ready = 0
            for name, tag in _spares(cursor):
                if tag == digest:
                    ready += 1
                    continue
                with transaction.atomic():
                    cursor.execute(
                        "SELECT pg_catalog.pg_try_advisory_xact_lock(%s, pg_catalog.hashtext(%s))",
                        [_CLAIM_LOCK_CLASS, name],
                    )
                    if cursor.fetchone()[0]:
                        cursor.execute(
                            f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(name)} CASCADE"
                        )
            made = 0
            # One spare a transaction: each holds a lock per relation it creates until commit.
            while ready + made < wanted:
                name = PREFIX + secrets.token_hex(8)
                with transaction.atomic():
                    schema_replay.replay(schema=name, template=template, state=state)
                    # The digest is hex: safe as a literal (utility statements take no parameters).
                    cursor.execute(
                        f"COMMENT ON SCHEMA {connection.ops.quote_name(name)} IS '{digest}'"
                    )
                made += 1
            return made
        finally:
            cursor.execute("SELECT pg_catalog.pg_advisory_unlock(%s)", [_REFILL_LOCK])
