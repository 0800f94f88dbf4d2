"""Database connections come from a bounded pool, and a connection handed back after serving a
brand never serves its next user in that brand's schema (django-tenants sets the search_path
again on the first cursor after every checkout)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context


def test_connections_come_from_a_bounded_pool() -> None:
    pool = connection.pool
    assert pool is not None
    assert pool.max_size == settings.DATABASE_POOL_MAX_SIZE
    assert pool.min_size == 0  # none held open for nothing


def _search_path() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path'), pg_backend_pid()")
        path, pid = cursor.fetchone()
    return path, pid


def test_a_connection_used_in_a_brand_serves_the_next_checkout_in_public(
    world, django_db_blocker
) -> None:
    brand_schema = world.a.brand.schema_name
    used: list[tuple[str, int]] = []

    def in_brand() -> None:
        try:
            with schema_context(brand_schema):
                used.append(_search_path())
        finally:
            connection.close()  # handed back to the pool still on the brand's path

    with django_db_blocker.unblock():
        worker = threading.Thread(target=in_brand)
        worker.start()
        worker.join()
        assert brand_schema in used[0][0]
        seen = []
        # Check out every pooled connection in turn (the pool hands them out oldest first).
        for _ in range(settings.DATABASE_POOL_MAX_SIZE + 1):
            connection.close()
            seen.append(_search_path())
        connection.close()
    assert used[0][1] in {pid for _, pid in seen}, "the brand's connection never came back"
    assert all(brand_schema not in path for path, _ in seen), seen


def test_a_process_answers_again_within_seconds_of_a_database_outage_ending() -> None:
    """A pool made as the settings make Django's (same options) on a scratch database that
    refuses connections for 20 s while requests keep coming, then accepts them again."""
    import time

    import psycopg
    from psycopg import sql
    from psycopg_pool import ConnectionPool

    scratch = "brandroom_outage_scratch"
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    admin = psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    options = {**settings.DATABASES["default"]["OPTIONS"]["pool"], "name": "outage-test"}
    options["timeout"] = 1.0  # each "request" gives up fast; the point is the pool's backoff
    pool = ConnectionPool(kwargs={**params, "dbname": scratch}, open=True, **options)
    allow = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}")

    def answer() -> bool:
        try:
            with pool.connection() as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:  # refused, or no connection within the timeout
            return False

    try:
        assert answer()
        admin.execute(allow.format(sql.Identifier(scratch), sql.SQL("false")))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [scratch],
        )
        outage_ends = time.monotonic() + 20
        while time.monotonic() < outage_ends:
            answer()  # requests keep arriving during the outage, and fail
        admin.execute(allow.format(sql.Identifier(scratch), sql.SQL("true")))
        back = time.monotonic()
        while not answer() and time.monotonic() - back < 30:
            pass
        # With psycopg_pool's own 5-minute reconnect window this took about 11 s after a 20 s
        # outage (23 s after a 40 s one); the settings bound it to about one attempt.
        assert time.monotonic() - back < 5
    finally:
        pool.close()
        admin.execute(allow.format(sql.Identifier(scratch), sql.SQL("true")))
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
        )
        admin.close()
