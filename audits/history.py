"""The safety net: PostgreSQL row snapshots of every tracked model (django-pghistory).

The services write an ``AuditEvent`` beside each change (who, why, from where). Writes
that bypass the services — ``queryset.update()``, ``bulk_create``, a hand-run SQL
statement, another app's code — are still caught here: a trigger per table copies the
row into ``audits_<model>history`` on INSERT, UPDATE (only when a value changed) and
DELETE, in the same transaction. ``audits.selectors.history_for`` reads them with the
field-by-field diff. On SQLite no trigger is installed (pgtrigger is a no-op there).

Adding a model to the net is one line below, then
``manage.py makemigrations audits`` (the snapshot table and its triggers live in
audits/migrations). Secrets (passwords, signatures, tokens) are excluded from snapshots.
"""

import pghistory
from django.contrib.auth.models import Group, User
from django.db import models

from parts.models import Part, StockCount, StockLevel, StockLocation
from technicians.models import (
    Absence,
    Certification,
    CertificationType,
    Technician,
    TrainingRecord,
)
from tickets.models import (
    Area,
    Customer,
    Product,
    ProductCategory,
    ProductModel,
    SlaPolicy,
    Ticket,
    WorkingCalendar,
)

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


# One line per tracked model (README, "Adding a model to the safety net").
TicketHistory = track(Ticket, exclude=["confirmation_signature"])
CustomerHistory = track(Customer)
ProductHistory = track(Product)
ProductModelHistory = track(ProductModel)
AreaHistory = track(Area)
ProductCategoryHistory = track(ProductCategory)
SlaPolicyHistory = track(SlaPolicy)
WorkingCalendarHistory = track(WorkingCalendar)
TechnicianHistory = track(Technician)
UserHistory = track(User, exclude=["password"])
GroupHistory = track(Group)
CertificationTypeHistory = track(CertificationType)
CertificationHistory = track(Certification)
TrainingRecordHistory = track(TrainingRecord)
AbsenceHistory = track(Absence)
PartHistory = track(Part)
StockLocationHistory = track(StockLocation)
# Levels are the running sum of the ledger (movements are append-only by their own
# trigger); a level written around the stock service shows here.
StockLevelHistory = track(StockLevel)
StockCountHistory = track(StockCount)
