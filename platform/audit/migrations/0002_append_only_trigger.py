"""The database refuses UPDATE and DELETE on audit entries, whatever the client (raw SQL, psql, a
future bug): the model guard stops the ORM, this stops everything else. The function is created in
the schema being migrated, so each tenant (and the template new tenants are cloned from) has its own.
TRUNCATE is left alone: erasing a whole tenant is an operator action, not an edit of the log."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_log")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
