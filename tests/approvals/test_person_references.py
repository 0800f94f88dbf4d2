"""Approvals' user-id columns became person references (migration 0004) without touching the
database: same column names, types and nullability, no constraint into the public schema, and
a row written the old way (a bare id in the column) reads back as the same person."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from approvals.models import (
    ApprovalRequest,
    AuditEntry,
    CoverageWindow,
    Decision,
    Incident,
    QuietHours,
)
from tests.conftest import BrandWorld

pytestmark = pytest.mark.django_db

# (table, column, nullable) as 0001 made them.
COLUMNS = [
    ("approvals_approvalrequest", "requested_by_id", True),
    ("approvals_approvalstep", "decided_by_id", True),
    ("approvals_decision", "decider_id", False),
    ("approvals_coveragewindow", "user_id", False),
    ("approvals_quiethours", "user_id", False),
    ("approvals_incident", "owner_id", True),
    ("approvals_incident", "opened_by_id", True),
    ("approvals_incidentupdate", "author_id", True),
    ("approvals_auditentry", "actor_id", True),
]


def test_the_migration_changes_no_sql() -> None:
    out = StringIO()
    call_command("sqlmigrate", "approvals", "0004", stdout=out)
    statements = [
        line for line in out.getvalue().splitlines() if line.strip() and not line.startswith("--")
    ]
    assert statements in ([], ["BEGIN;", "COMMIT;"])


def test_the_columns_are_as_they_were(in_a: BrandWorld) -> None:
    with connection.cursor() as cursor:
        for table, column, nullable in COLUMNS:
            cursor.execute(
                "SELECT data_type, is_nullable FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
                [table, column],
            )
            assert cursor.fetchall() == [("bigint", "YES" if nullable else "NO")], (table, column)
            cursor.execute(
                "SELECT count(*) FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
                " WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s",
                [table, column],
            )
            assert cursor.fetchone() == (0,), f"{table}.{column} has a foreign key constraint"
        cursor.execute(
            "SELECT contype FROM pg_constraint WHERE conname = 'approvals_quiethours_user_id_key'"
            " AND conrelid = 'approvals_quiethours'::regclass"
        )
        assert cursor.fetchall() == [("u",)]


def test_a_row_written_as_a_bare_id_reads_as_the_same_person(in_a: BrandWorld) -> None:
    lead = in_a.person("account_lead")
    now = timezone.now()
    with connection.cursor() as cursor:
        # What the code before 0004 wrote: the person's id in a plain bigint column.
        cursor.execute(
            "INSERT INTO approvals_quiethours (user_id, starts, ends, created_at)"
            " VALUES (%s, '22:00', '07:00', %s)",
            [lead.pk, now],
        )
        cursor.execute(
            "INSERT INTO approvals_incident (summary, severity, owner_id, opened_by_id, status,"
            " created_at) VALUES ('Old', 2, %s, NULL, 'open', %s) RETURNING id",
            [lead.pk, now],
        )
        (incident_id,) = cursor.fetchone()
    quiet = QuietHours.objects.get(user_id=lead.pk)
    assert quiet.user == lead
    incident = Incident.objects.get(pk=incident_id)
    assert (incident.owner, incident.owner_id, incident.opened_by) == (lead, lead.pk, None)
    assert Incident.objects.filter(owner=lead).count() == 1


def test_a_person_who_left_leaves_the_id(in_a: BrandWorld) -> None:
    """No constraint: an id whose person is gone still reads (as the id, nobody behind it)."""
    window = CoverageWindow.objects.create(
        user_id=987654321, weekdays=[0], starts="09:00", ends="17:00"
    )
    window.refresh_from_db()
    assert window.user_id == 987654321
    assert CoverageWindow.objects.filter(pk=window.pk, user__isnull=True).count() == 0
    assert ApprovalRequest._meta.get_field("requested_by").db_constraint is False
    assert Decision._meta.get_field("decider").null is False
    assert AuditEntry._meta.get_field("actor").null is True
