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
import pghistory.models
import pgtrigger
from django.db import connection, models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

TRACKED = {}


class Snapshot(pghistory.models.Event):
    """pghistory's event columns, named for the admin and the translations."""

    pgh_id = models.AutoField(primary_key=True, verbose_name=_("snapshot ID"))
    pgh_created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("taken at"))
    pgh_label = models.TextField(help_text=_("The event label."), verbose_name=_("event"))

    class Meta:
        abstract = True


def _snapshot_obj(model):
    """``pgh_obj``: pghistory's object foreign key (unconstrained), named as the row's model."""
    config = pghistory.ObjForeignKey(
        # Indexed although the copied keys are not (PGHISTORY_FOREIGN_KEY_FIELD): a row's
        # snapshots are read by it.
        related_name="+",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        db_index=True,
    )
    return models.ForeignKey(model, **config.kwargs, verbose_name=model._meta.verbose_name)


def _snapshot_pk(model):
    """The tracked row's primary key as pghistory copies it (a plain integer column), named."""
    pk = model._meta.pk
    column = models.BigIntegerField if isinstance(pk, models.BigAutoField) else models.IntegerField
    return {pk.name: column(verbose_name=_("ID"))}


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
        obj_field=None,  # pgh_obj below: pghistory's configuration takes no verbose_name
        context_field=None,
        append_only=True,
        app_label="audits",
        model_name=f"{model.__name__}History",
        abstract=False,
        base_model=Snapshot,
        attrs={"pgh_obj": _snapshot_obj(model), **_snapshot_pk(model)},
        meta={
            "verbose_name": format_lazy(_("{model} snapshot"), model=model._meta.verbose_name),
            "verbose_name_plural": format_lazy(
                _("{model} snapshots"), model=model._meta.verbose_name
            ),
        },
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
