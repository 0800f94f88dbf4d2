"""Failure injection at the database, where no code of ours needs a hook: the next insert of an
approval request in a brand fails once (a trigger counting on a sequence, which a rollback does
not reset), as a crash inside the routing would."""

from __future__ import annotations

from django.db import connection

FAIL_ONCE = """
CREATE SEQUENCE IF NOT EXISTS {schema}.routing_faults;
CREATE OR REPLACE FUNCTION {schema}.fail_first_routing() RETURNS trigger AS $$
BEGIN
    IF nextval('{schema}.routing_faults') = 1 THEN
        RAISE EXCEPTION 'injected fault: routing fails once';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS fail_first_routing ON {schema}.approvals_approvalrequest;
CREATE TRIGGER fail_first_routing BEFORE INSERT ON {schema}.approvals_approvalrequest
    FOR EACH ROW EXECUTE FUNCTION {schema}.fail_first_routing();
"""


def make_routing_fail_once(schema: str) -> None:
    """The brand's next approval request insert raises; every later one works."""
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ONCE.format(schema=schema))


def routing_attempts(schema: str) -> int:
    """How many approval request inserts were tried since the fault was set (the first failed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {schema}.routing_faults")
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else 0
