"""Drafts get a "dropped" status: a generation job's variants are reviewed as one item, and
approving one drops the others. The status guard of 0007 learns the new move (written out, as
there: a migration must not change when the model does)."""

from django.conf import settings
from django.db import migrations, models

BASE = [
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
    dependencies = [
        ("content", "0012_inbox_reminded_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="draft",
            name="draft_status_valid",
        ),
        migrations.AlterField(
            model_name="draft",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("ready", "Ready"),
                    ("in_review", "In Review"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("changes_requested", "Changes Requested"),
                    ("published", "Published"),
                    ("superseded", "Superseded"),
                    ("dropped", "Dropped"),
                ],
                default="draft",
                max_length=24,
            ),
        ),
        migrations.AddConstraint(
            model_name="draft",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "draft",
                            "ready",
                            "in_review",
                            "approved",
                            "rejected",
                            "changes_requested",
                            "published",
                            "superseded",
                            "dropped",
                        ],
                    )
                ),
                name="draft_status_valid",
            ),
        ),
        migrations.RunSQL(guard([*BASE, ("in_review", "dropped")]), guard(BASE)),
    ]
