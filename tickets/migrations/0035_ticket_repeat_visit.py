"""``Ticket.repeat_visit``: was another ticket for the same product opened within 30 days
after this job's completion? Kept on PostgreSQL by four row triggers, so every writer
(the services, the admin, an import, a fixture, psql) keeps it, in its own transaction:

- ``tickets_ticket_repeat_own`` (BEFORE INSERT with a completion, BEFORE UPDATE of the
  completion, product or opening time): the job's own mark, probed once;
- ``tickets_ticket_repeat_mark`` (AFTER INSERT with a product): the product's jobs
  completed in the 30 days before the new ticket's opening are marked;
- ``tickets_ticket_repeat_moved`` (AFTER UPDATE of the product or opening time): the
  jobs it no longer follows are probed again, those it now follows marked.

The update triggers name their columns (``UPDATE OF``), so a statement that sets none of
them (the SLA sweep's, most transitions') does not even evaluate their conditions.

A job whose mark changes is written (``updated_at``), as any change to it: the KPI
rollups' refresh finds the day it closed among the tickets written since its last run and
recomputes its first-time fixes. A ticket is never deleted (its audit events and
timeline protect it), so no trigger watches deletions.

Each takes the product's row lock (``FOR NO KEY UPDATE``, which an insert's foreign-key
check does not wait for) before it reads, so a completion and a new ticket for the same
product in two concurrent transactions cannot both miss each other: whichever locks second
sees what the first committed. A completion locks its ticket before the product, a new
ticket the product before the jobs; the jobs it updates are completed ones, and a
completion only ever waits on the product for a job that was not yet completed, so the
two orders never cross. The window is ``tickets.selectors.REPEAT_WINDOW`` (30 × 86,400
seconds, as the probe adds it in Django's UTC sessions); the tests compare the column
with the probe after random histories, at the window's edges.
"""

from django.db import migrations, models

WINDOW = "interval '2592000 seconds'"

# The probe of one job's row ``j`` (the same as ``selectors.repeat_visit_probe``).
# bandit B608: the SQL below is built from this module's literals only, no input.
LATER = f"""EXISTS (
        SELECT 1 FROM tickets_ticket t
         WHERE t.product_id = {{j}}.product_id AND t.id <> {{j}}.id
           AND t.created_at > {{j}}.completed_at
           AND t.created_at <= {{j}}.completed_at + {WINDOW})
     OR ({{j}}.created_at > {{j}}.completed_at
         AND {{j}}.created_at <= {{j}}.completed_at + {WINDOW})"""  # nosec B608

FORWARD = f"""
CREATE OR REPLACE FUNCTION tickets_ticket_repeat_own() RETURNS trigger AS $$
BEGIN
    IF NEW.completed_at IS NULL OR NEW.product_id IS NULL THEN
        NEW.repeat_visit := false;
        RETURN NEW;
    END IF;
    PERFORM 1 FROM tickets_product WHERE id = NEW.product_id FOR NO KEY UPDATE;
    NEW.repeat_visit := {LATER.format(j="NEW")};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tickets_ticket_repeat_mark() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM tickets_product WHERE id = NEW.product_id FOR NO KEY UPDATE;
    UPDATE tickets_ticket SET repeat_visit = true, updated_at = now()
     WHERE product_id = NEW.product_id AND id <> NEW.id AND NOT repeat_visit
       AND completed_at < NEW.created_at AND completed_at >= NEW.created_at - {WINDOW};
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tickets_ticket_repeat_moved() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM tickets_product WHERE id IN (OLD.product_id, NEW.product_id)
     ORDER BY id FOR NO KEY UPDATE;
    IF OLD.product_id IS NOT NULL THEN
        UPDATE tickets_ticket j SET repeat_visit = false, updated_at = now()
         WHERE j.product_id = OLD.product_id AND j.id <> OLD.id AND j.repeat_visit
           AND j.completed_at < OLD.created_at
           AND j.completed_at >= OLD.created_at - {WINDOW}
           AND NOT ({LATER.format(j="j")});
    END IF;
    IF NEW.product_id IS NOT NULL THEN
        UPDATE tickets_ticket SET repeat_visit = true, updated_at = now()
         WHERE product_id = NEW.product_id AND id <> NEW.id AND NOT repeat_visit
           AND completed_at < NEW.created_at AND completed_at >= NEW.created_at - {WINDOW};
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_ticket_repeat_own_insert
    BEFORE INSERT ON tickets_ticket
    FOR EACH ROW WHEN (NEW.completed_at IS NOT NULL)
    EXECUTE FUNCTION tickets_ticket_repeat_own();
CREATE TRIGGER tickets_ticket_repeat_own_update
    BEFORE UPDATE OF completed_at, product_id, created_at ON tickets_ticket
    FOR EACH ROW WHEN (OLD.completed_at IS DISTINCT FROM NEW.completed_at
                       OR OLD.product_id IS DISTINCT FROM NEW.product_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION tickets_ticket_repeat_own();
CREATE TRIGGER tickets_ticket_repeat_mark
    AFTER INSERT ON tickets_ticket
    FOR EACH ROW WHEN (NEW.product_id IS NOT NULL)
    EXECUTE FUNCTION tickets_ticket_repeat_mark();
CREATE TRIGGER tickets_ticket_repeat_moved
    AFTER UPDATE OF product_id, created_at ON tickets_ticket
    FOR EACH ROW WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION tickets_ticket_repeat_moved();
"""  # nosec B608

BACKWARD = """
DROP TRIGGER IF EXISTS tickets_ticket_repeat_own_insert ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_ticket_repeat_own_update ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_ticket_repeat_mark ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_ticket_repeat_moved ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_ticket_repeat_own();
DROP FUNCTION IF EXISTS tickets_ticket_repeat_mark();
DROP FUNCTION IF EXISTS tickets_ticket_repeat_moved();
"""

# The marks of the tickets already written: one set-based pass over the completed jobs,
# each probing ``ticket_product_created``.
BACKFILL = f"""
UPDATE tickets_ticket j SET repeat_visit = true
 WHERE j.completed_at IS NOT NULL AND j.product_id IS NOT NULL AND NOT j.repeat_visit
   AND ({LATER.format(j="j")});
"""  # nosec B608


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)
        schema_editor.execute(BACKFILL)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0034_ticket_appointment_day_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="repeat_visit",
            field=models.BooleanField(db_default=False, default=False, verbose_name="repeat visit"),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
