"""The safety net: PostgreSQL row snapshots of every tracked model (django-pghistory).

The services write an ``AuditEvent`` beside each change (who, why, from where). Writes
that bypass the services — ``queryset.update()``, ``bulk_create``, a hand-run SQL
statement, another app's code — are still caught here: a trigger per table copies the
row into ``audits_<model>history`` on INSERT, UPDATE (only when a value changed) and
DELETE, in the same transaction. ``audits.selectors.history_for`` reads them with the
field-by-field diff. On SQLite no trigger is installed (pgtrigger is a no-op there).

This module is the registry (``track`` and ``TRACKED``), on the ground floor with the
rest of the trail. The models are registered by ``audits/safety_net/models.py``, which
alone imports every app's models: adding a model to the net is one line there, then
``manage.py makemigrations audits`` (the snapshot table and its triggers live in
audits/migrations). Secrets (passwords, signatures, tokens) are excluded from snapshots.
"""

import pghistory
import pgtrigger
from django.db import connection, models

TRACKED = {}


def track(model, *, exclude=()):
    """Snapshot ``model`` on insert, update and delete; register it in ``TRACKED``.

    ``exclude``: fields never copied (secrets, large blobs). The event model is
    ``audits.<Model>History`` with ``pgh_obj`` pointing (unconstrained) at the row.
    """
    event_model = pghistory.create_event_model(
        model,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
        obj_field=pghistory.ObjForeignKey(
            related_name="+", db_constraint=False, on_delete=models.DO_NOTHING
        ),
        context_field=None,
        append_only=True,
        app_label="audits",
        model_name=f"{model.__name__}History",
        abstract=False,
    )
    TRACKED[model._meta.label_lower] = event_model
    return event_model


def history_redact(model, *, pk, values):
    """Erasure: overwrite ``values`` (column → value) in every safety-net snapshot of the
    row ``pk`` of ``model``; returns how many snapshots were rewritten.

    The snapshot tables are append-only by a pgtrigger ``append_only`` trigger; this is
    the one controlled exception, ignored for this statement only (``pgtrigger.ignore``
    sets a transaction-local flag the trigger reads) and run inside the erasure's own
    transaction. Nothing to do when the model is not tracked or on SQLite.
    """
    event_model = TRACKED.get(model._meta.label_lower)
    if event_model is None or connection.vendor != "postgresql":
        return 0
    uri = f"{event_model._meta.app_label}.{event_model.__name__}:append_only"
    with pgtrigger.ignore(uri):
        return event_model.objects.filter(pgh_obj_id=pk).update(**values)
