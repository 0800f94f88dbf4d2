"""Boost status moves enforced by PostgreSQL, so no code path (admin, shell, a bug) can skip a
step: a new boost starts as proposed, and an update may only take a transition listed here
(the same table as ``Boost.TRANSITIONS``). A refused move raises check_violation (23514)."""

from django.db import migrations

ALLOWED = [
    ("proposed", "pending_approval"),
    ("proposed", "approved"),
    ("proposed", "cancelled"),
    ("pending_approval", "approved"),
    ("pending_approval", "proposed"),
    ("pending_approval", "cancelled"),
    ("approved", "active"),
    ("approved", "cancelled"),
    ("active", "paused"),
    ("active", "completed"),
    ("active", "cancelled"),
    ("paused", "active"),
    ("paused", "completed"),
    ("paused", "cancelled"),
]

PAIRS = ", ".join(f"('{a}', '{b}')" for a, b in ALLOWED)

FORWARD = f"""
CREATE OR REPLACE FUNCTION paid_media_boost_status_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'proposed' THEN
            RAISE EXCEPTION 'A boost starts as proposed, not %', NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN ({PAIRS}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Boost % cannot move from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER paid_media_boost_status_guard
    BEFORE INSERT OR UPDATE OF status ON paid_media_boost
    FOR EACH ROW EXECUTE FUNCTION paid_media_boost_status_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS paid_media_boost_status_guard ON paid_media_boost;
DROP FUNCTION IF EXISTS paid_media_boost_status_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("paid_media", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
