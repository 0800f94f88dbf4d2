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
