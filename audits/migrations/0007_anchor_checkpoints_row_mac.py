"""The chain's anchor: checkpoints outside the audit table, row MACs, seal flags.

* ``audits_auditcheckpoint`` is append-only by a trigger (PostgreSQL and SQLite), and on
  PostgreSQL — when the migrating role may create roles (superuser or CREATEROLE) — it
  and its trigger function belong to the role ``aftersales_audit_anchor`` (NOLOGIN), the
  migrating (application) role keeping only SELECT and INSERT: it can neither UPDATE,
  DELETE or TRUNCATE the checkpoints nor disable or replace their trigger. Where that is
  not permitted the step is skipped with a warning (README, "Audit trail", gives the
  DBA's statements).
* ``audits_auditevent``'s trigger now lets the sealer set ``seal_flag`` with the seal
  columns, and ``row_mac`` joins the columns that never change (the SQLite trigger lists
  them; SQLite rebuilds the table to add the columns, so both its triggers are
  recreated).
"""

import logging

import django.utils.timezone
from django.db import migrations, models


logger = logging.getLogger("audits.anchor")

ANCHOR_ROLE = "aftersales_audit_anchor"

PG_EVENT_TRIGGER = """
CREATE OR REPLACE FUNCTION audits_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are append-only (DELETE refused on row %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.seal_seq IS NOT NULL OR NEW.seal_seq IS NULL OR NEW.hash = ''
       OR (to_jsonb(NEW) - ARRAY['seal_seq', 'prev_hash', 'hash', 'seal_flag'])
          IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['seal_seq', 'prev_hash', 'hash', 'seal_flag'])
    THEN
        RAISE EXCEPTION 'audit events are append-only (UPDATE refused on row %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PG_CHECKPOINT_INSTALL = """
CREATE OR REPLACE FUNCTION audits_auditcheckpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only (% refused on row %)', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audits_auditcheckpoint_append_only ON audits_auditcheckpoint;
CREATE TRIGGER audits_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON audits_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audits_auditcheckpoint_append_only();
"""

PG_CHECKPOINT_REMOVE = """
DROP TRIGGER IF EXISTS audits_auditcheckpoint_append_only ON audits_auditcheckpoint;
DROP FUNCTION IF EXISTS audits_auditcheckpoint_append_only();
"""

_SQLITE_EVENT_COLUMNS = (
    "id", "created_at", "actor_id", "action", "object_type", "object_id", "ticket_id",
    "changes", "source", "request_id", "ip_address", "row_mac",
)  # fmt: skip



def _sqlite_event_trigger(columns):
    return f"""
    CREATE TRIGGER audits_auditevent_no_update
    BEFORE UPDATE ON audits_auditevent
    WHEN OLD.seal_seq IS NOT NULL OR NEW.seal_seq IS NULL OR NEW.hash = ''
        OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)}
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """


# Adding the columns makes SQLite's schema editor rebuild the table, which drops its
# triggers: both are created again.
SQLITE_NO_DELETE = """
    CREATE TRIGGER IF NOT EXISTS audits_auditevent_no_delete
    BEFORE DELETE ON audits_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """

SQLITE_INSTALL = [
    "DROP TRIGGER IF EXISTS audits_auditevent_no_update",
    _sqlite_event_trigger(_SQLITE_EVENT_COLUMNS),
    SQLITE_NO_DELETE,
    """
    CREATE TRIGGER IF NOT EXISTS audits_auditcheckpoint_no_update
    BEFORE UPDATE ON audits_auditcheckpoint
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audits_auditcheckpoint_no_delete
    BEFORE DELETE ON audits_auditcheckpoint
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END
    """,
]


def _hand_to_anchor_role(cursor):
    """Give the checkpoint table and its trigger function to ``ANCHOR_ROLE``; the
    migrating role keeps SELECT and INSERT. Skipped (with a warning) when not permitted."""
    cursor.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    superuser, createrole = cursor.fetchone()
    if not (superuser or createrole):
        logger.warning(
            "audits 0006: the database role may not create roles; audits_auditcheckpoint "
            "stays owned by it (protected by its trigger only). See README, 'Audit trail'."
        )
        return
    cursor.execute(
        f"""DO $$ BEGIN CREATE ROLE {ANCHOR_ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"""
    )
    cursor.execute("SELECT quote_ident(current_schema())")
    [schema] = cursor.fetchone()
    # The new owner needs CREATE on the schema at the moment of the transfer, and a
    # non-superuser must be a member of the role it hands the table to (PostgreSQL's
    # rules); both are taken back at once.
    cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {ANCHOR_ROLE}")
    if not superuser:
        cursor.execute(f"GRANT {ANCHOR_ROLE} TO CURRENT_USER")
    cursor.execute(f"ALTER TABLE audits_auditcheckpoint OWNER TO {ANCHOR_ROLE}")
    cursor.execute(f"ALTER FUNCTION audits_auditcheckpoint_append_only() OWNER TO {ANCHOR_ROLE}")
    cursor.execute("REVOKE ALL ON audits_auditcheckpoint FROM PUBLIC, CURRENT_USER")
    cursor.execute("GRANT SELECT, INSERT ON audits_auditcheckpoint TO CURRENT_USER")
    cursor.execute("SELECT pg_get_serial_sequence('audits_auditcheckpoint', 'id')")
    [sequence] = cursor.fetchone()
    cursor.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO CURRENT_USER")
    cursor.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {ANCHOR_ROLE}")
    if not superuser:
        cursor.execute(f"REVOKE {ANCHOR_ROLE} FROM CURRENT_USER")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_EVENT_TRIGGER, None)
        schema_editor.execute(PG_CHECKPOINT_INSTALL, None)
        with schema_editor.connection.cursor() as cursor:
            _hand_to_anchor_role(cursor)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, None)


def remove(apps, schema_editor):
    """Back to migration 0005's triggers; the table returns to the migrating role (which
    needs the rights to take it back: a superuser, or a member of the anchor role)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableowner <> current_user FROM pg_tables "
                "WHERE tablename = 'audits_auditcheckpoint' AND schemaname = current_schema()"
            )
            if cursor.fetchone()[0]:
                cursor.execute("ALTER TABLE audits_auditcheckpoint OWNER TO CURRENT_USER")
                cursor.execute(
                    "ALTER FUNCTION audits_auditcheckpoint_append_only() OWNER TO CURRENT_USER"
                )
        schema_editor.execute(PG_CHECKPOINT_REMOVE, None)
        schema_editor.execute(PG_EVENT_TRIGGER.replace(", 'seal_flag'", ""), None)
    elif vendor == "sqlite":
        for statement in (
            "DROP TRIGGER IF EXISTS audits_auditcheckpoint_no_update",
            "DROP TRIGGER IF EXISTS audits_auditcheckpoint_no_delete",
            "DROP TRIGGER IF EXISTS audits_auditevent_no_update",
            _sqlite_event_trigger(_SQLITE_EVENT_COLUMNS[:-1]),
            SQLITE_NO_DELETE,
        ):
            schema_editor.execute(statement, None)


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0006_customerhistory_language'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('seal_seq', models.BigIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('event_count', models.BigIntegerField()),
                ('kind', models.CharField(choices=[('seal', 'seal'), ('reanchor', 're-anchored by an operator')], max_length=16)),
                ('signature', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': 'audit checkpoint',
                'verbose_name_plural': 'audit checkpoints',
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='row_mac',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seal_flag',
            field=models.CharField(blank=True, choices=[('altered', 'altered before sealing (row MAC does not match)'), ('unsigned', 'written without a row MAC')], db_default='', default='', editable=False, max_length=16),
        ),
        migrations.RunPython(install, remove),
    ]
