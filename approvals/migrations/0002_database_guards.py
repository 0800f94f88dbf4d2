"""Guards in the database itself: the audit trail is append-only, and requests and steps only
move along the state machine's edges (a finished request or decided step never changes state).

The trigger functions live in the public schema (created idempotently) so every brand schema,
including the template brands are cloned from, shares one definition.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION public.approvals_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.approvals_step_transition() RETURNS trigger AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status = 'waiting' AND NEW.status IN ('open', 'skipped'))
       OR (OLD.status = 'open' AND NEW.status IN
           ('approved', 'rejected', 'changes_requested', 'expired', 'skipped')) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Approval step % cannot go from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION public.approvals_request_transition() RETURNS trigger AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'open' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Approval request % is finished (%); it cannot become %',
        OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = r"""
CREATE TRIGGER approvals_audit_append_only
    BEFORE UPDATE OR DELETE ON approvals_auditentry
    FOR EACH ROW EXECUTE FUNCTION public.approvals_audit_append_only();
CREATE TRIGGER approvals_step_transition
    BEFORE UPDATE OF status ON approvals_approvalstep
    FOR EACH ROW EXECUTE FUNCTION public.approvals_step_transition();
CREATE TRIGGER approvals_request_transition
    BEFORE UPDATE OF status ON approvals_approvalrequest
    FOR EACH ROW EXECUTE FUNCTION public.approvals_request_transition();
"""

DROP = r"""
DROP TRIGGER IF EXISTS approvals_audit_append_only ON approvals_auditentry;
DROP TRIGGER IF EXISTS approvals_step_transition ON approvals_approvalstep;
DROP TRIGGER IF EXISTS approvals_request_transition ON approvals_approvalrequest;
"""


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTIONS + TRIGGERS, reverse_sql=DROP)]
