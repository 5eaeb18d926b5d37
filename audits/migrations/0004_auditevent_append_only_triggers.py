"""Database-level append-only: UPDATE and DELETE on audits_auditevent are refused.

The one exception is the sealer (audits.chain) setting the three seal columns once, on
a row whose other columns stay as they were. PostgreSQL and SQLite each get their own
trigger; the SQLite trigger lists the columns, so a column added to AuditEvent must be
added to its WHEN clause in a new migration.
"""

from django.db import migrations

PG_INSTALL = """
CREATE OR REPLACE FUNCTION audits_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are append-only (DELETE refused on row %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.seal_seq IS NOT NULL OR NEW.seal_seq IS NULL OR NEW.hash = ''
       OR (to_jsonb(NEW) - ARRAY['seal_seq', 'prev_hash', 'hash'])
          IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['seal_seq', 'prev_hash', 'hash']) THEN
        RAISE EXCEPTION 'audit events are append-only (UPDATE refused on row %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audits_auditevent_append_only ON audits_auditevent;
CREATE TRIGGER audits_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audits_auditevent
    FOR EACH ROW EXECUTE FUNCTION audits_auditevent_append_only();
"""

PG_REMOVE = """
DROP TRIGGER IF EXISTS audits_auditevent_append_only ON audits_auditevent;
DROP FUNCTION IF EXISTS audits_auditevent_append_only();
"""

_SQLITE_COLUMNS = (
    "id", "created_at", "actor_id", "action", "object_type", "object_id", "ticket_id",
    "changes", "source", "request_id", "ip_address",
)  # fmt: skip

SQLITE_INSTALL = [
    """
    CREATE TRIGGER IF NOT EXISTS audits_auditevent_no_delete
    BEFORE DELETE ON audits_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS audits_auditevent_no_update
    BEFORE UPDATE ON audits_auditevent
    WHEN OLD.seal_seq IS NOT NULL OR NEW.seal_seq IS NULL OR NEW.hash = ''
        OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _SQLITE_COLUMNS)}
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
]

SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audits_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audits_auditevent_no_update",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REMOVE, None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_history_quality_audits_seal")]

    operations = [migrations.RunPython(install, remove)]
