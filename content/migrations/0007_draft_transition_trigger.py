"""Draft status moves enforced by PostgreSQL, so no code path (admin, shell, a bug, another
app) can skip a step: an update may only take a move listed here, the same pairs as
``content.models.DRAFT_TRANSITIONS`` (written out: a migration must not change when the model
does). A draft may be inserted in any status (imports, history); a refused move raises
check_violation (23514)."""

from django.db import migrations

ALLOWED = [
    ("draft", "ready"),  # mark ready
    ("ready", "in_review"),  # send to review
    ("ready", "approved"),  # approve (no sign-off needed)
    ("in_review", "approved"),  # approve, release
    ("in_review", "rejected"),  # reject
    ("in_review", "changes_requested"),  # request changes
    ("in_review", "draft"),  # return to writer
    ("in_review", "superseded"),  # supersede
    ("approved", "in_review"),  # hold
    ("approved", "published"),  # publish
]

PAIRS = ", ".join(f"('{a}', '{b}')" for a, b in ALLOWED)

FORWARD = f"""
CREATE OR REPLACE FUNCTION content_draft_status_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN ({PAIRS}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Draft % cannot move from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER content_draft_status_guard
    BEFORE UPDATE OF status ON content_draft
    FOR EACH ROW EXECUTE FUNCTION content_draft_status_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS content_draft_status_guard ON content_draft;
DROP FUNCTION IF EXISTS content_draft_status_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("content", "0006_assistant_trust")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
