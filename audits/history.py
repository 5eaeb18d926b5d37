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
from django.db import models

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
