"""An edit of an approved, unpublished draft supersedes it (the new version is reviewed afresh
and the old one must not go out). The status guard of 0007/0013 learns the move (written out,
as there: a migration must not change when the model does)."""

from django.db import migrations

BEFORE = [
    ("draft", "ready"),
    ("ready", "in_review"),
    ("ready", "approved"),
    ("in_review", "approved"),
    ("in_review", "rejected"),
    ("in_review", "changes_requested"),
    ("in_review", "draft"),
    ("in_review", "superseded"),
    ("approved", "in_review"),
    ("approved", "published"),
    ("in_review", "dropped"),
]


def guard(allowed: list[tuple[str, str]]) -> str:
    pairs = ", ".join(f"('{a}', '{b}')" for a, b in allowed)
    return f"""
CREATE OR REPLACE FUNCTION content_draft_status_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN ({pairs}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Draft % cannot move from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("content", "0014_draft_publish_time")]

    operations = [
        migrations.RunSQL(guard([*BEFORE, ("approved", "superseded")]), guard(BEFORE)),
    ]
