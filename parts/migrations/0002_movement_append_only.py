"""The ledger is append-only in the database too: on PostgreSQL a trigger refuses any
UPDATE or DELETE of a stock movement (TRUNCATE, used only by test and bench resets, is
not a row operation). SQLite, the local fallback, relies on the services alone."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION parts_movement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER parts_movement_append_only
    BEFORE UPDATE OR DELETE ON parts_stockmovement
    FOR EACH ROW EXECUTE FUNCTION parts_movement_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS parts_movement_append_only ON parts_stockmovement;
DROP FUNCTION IF EXISTS parts_movement_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("parts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
