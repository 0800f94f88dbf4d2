"""The audit trail is append-only in the database itself: a trigger refuses UPDATE and DELETE,
whoever asks (the API, the admin, a shell, a stray migration). TRUNCATE stays possible for the
database owner, which is how test databases are emptied."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION public.audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON public.audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION public.audit_entry_append_only();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS audit_entry_append_only ON public.audit_auditentry;
DROP FUNCTION IF EXISTS public.audit_entry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
