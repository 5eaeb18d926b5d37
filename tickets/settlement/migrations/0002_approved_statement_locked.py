"""An approved statement is locked in the database too: on PostgreSQL triggers refuse
any UPDATE or DELETE of an approved statement and any INSERT, UPDATE or DELETE of its
lines (TRUNCATE, used only by test and bench resets, is not a row operation). SQLite,
the local fallback, relies on the services alone."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION settlement_statement_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'statement % is approved and locked (% refused)', OLD.id, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlement_statement_locked
    BEFORE UPDATE OR DELETE ON settlement_statement
    FOR EACH ROW EXECUTE FUNCTION settlement_statement_locked();

CREATE OR REPLACE FUNCTION settlement_line_locked() RETURNS trigger AS $$
DECLARE
    owner_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        owner_id := OLD.statement_id;
    ELSE
        owner_id := NEW.statement_id;
    END IF;
    IF EXISTS (SELECT 1 FROM settlement_statement
               WHERE id = owner_id AND status = 'approved') THEN
        RAISE EXCEPTION 'statement % is approved and locked (% of a line refused)',
            owner_id, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlement_line_locked
    BEFORE INSERT OR UPDATE OR DELETE ON settlement_statementline
    FOR EACH ROW EXECUTE FUNCTION settlement_line_locked();
"""
DROP = """
DROP TRIGGER IF EXISTS settlement_line_locked ON settlement_statementline;
DROP FUNCTION IF EXISTS settlement_line_locked();
DROP TRIGGER IF EXISTS settlement_statement_locked ON settlement_statement;
DROP FUNCTION IF EXISTS settlement_statement_locked();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_statements")]

    operations = [migrations.RunPython(forwards, backwards)]
