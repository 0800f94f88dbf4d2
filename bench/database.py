"""The bench's own PostgreSQL database, and filling it with brands cheaply.

Only ``br_bench*`` databases on the machine's PostgreSQL are ever created or dropped here.
"""

from __future__ import annotations

import re

import psycopg

DB_PREFIX = "br_bench"
HOST = "127.0.0.1"
PORT = 5432
USER = "postgres"


def url(name: str) -> str:
    return f"postgres://{USER}@{HOST}:{PORT}/{name}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(f"postgresql://{USER}@{HOST}:{PORT}/postgres", autocommit=True)


def _check_name(name: str) -> None:
    if not name.startswith(DB_PREFIX) or not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"The bench only manages databases named {DB_PREFIX}*, not {name!r}")


def recreate(name: str) -> None:
    """Drop (if left over from an interrupted run) and create the bench database."""
    _check_name(name)
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(name: str) -> None:
    _check_name(name)
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version() -> str:
    with _admin() as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"
