"""Reference data a service centre keeps by hand: service areas, product categories and
models, working calendars with their hours and exceptions, SLA policies.

One writer per entity and verb (``area_create``, ``area_update``, ``area_delete``, …),
shared by the admin and the reference-data API. Each, in one transaction: checks the
role (supervisors; ``actor=None`` is the system), validates the row (``full_clean``:
field rules, unique codes, the model's ``clean`` and constraints), refuses a change of
what is fixed once created (codes, a row's calendar), writes, and records one audit
event with the values before and after. A delete still referred to (a category with
models, a calendar an SLA policy runs on) is refused, not cascaded.

The event is ``<model>.created`` / ``.updated`` / ``.deleted`` unless the caller names
it: the admin keeps its ``admin.*`` codes, which the trail has always used for hand edits
in the admin (``audit_action``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from aftersales.roles import Role, role_require
from audits.services import audit_record, field_values

from ..models import (
    Area,
    CalendarException,
    ChecklistItem,
    FaultCode,
    ProductCategory,
    ProductModel,
    SlaPolicy,
    WorkingCalendar,
    WorkingHours,
)

WRITE_ROLES = (Role.SUPERVISOR,)
FIXED = {
    Area: {"code"},
    ProductCategory: {"code"},
    ProductModel: {"code"},
    WorkingCalendar: {"code"},
    WorkingHours: {"calendar"},
    CalendarException: {"calendar"},
    SlaPolicy: set(),
    FaultCode: {"category", "code"},
    ChecklistItem: {"category"},
}


def _action(model, verb, audit_action):
    return audit_action or f"{model._meta.model_name}.{verb}"


def _editable(model, fields):
    known = {f.name for f in model._meta.concrete_fields if not f.primary_key}
    unknown = set(fields) - known
    if unknown:
        raise ValueError(f"not fields of {model._meta.label}: {sorted(unknown)}")


def _save(obj, **kwargs):
    """Save in a savepoint: a concurrent writer that took the same code or date between
    our check and our insert is a refusal (400), not a broken transaction."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationError(
            _("Another %(model)s with these values was saved meanwhile; check and retry.")
            % {"model": obj._meta.verbose_name}
        ) from exc


@transaction.atomic
def _create(model, *, actor, audit_action, fields):
    role_require(actor, *WRITE_ROLES)
    _editable(model, fields)
    obj = model(**fields)
    obj.full_clean()
    _save(obj)
    audit_record(
        actor=actor,
        action=_action(model, "created", audit_action),
        obj=obj,
        changes={
            name: [None, value]
            for name, value in field_values(obj).items()
            if value not in (None, "", [])
        },
    )
    return obj


@transaction.atomic
def _update(obj, *, actor, audit_action, fields):
    model = type(obj)
    role_require(actor, *WRITE_ROLES)
    _editable(model, fields)
    obj = model._default_manager.select_for_update().get(pk=obj.pk)
    before = field_values(obj)
    fixed = {
        name
        for name in set(fields) & FIXED[model]
        if getattr(getattr(obj, name), "pk", getattr(obj, name))
        != getattr(fields[name], "pk", fields[name])
    }
    if fixed:
        raise ValidationError({name: [_("This cannot change once created.")] for name in fixed})
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    after = field_values(obj)
    changes = {name: [before[name], new] for name, new in after.items() if before[name] != new}
    if changes:
        _save(obj, update_fields=list(changes))
        audit_record(
            actor=actor, action=_action(model, "updated", audit_action), obj=obj, changes=changes
        )
    return obj


@transaction.atomic
def _delete(obj, *, actor, audit_action):
    model = type(obj)
    role_require(actor, *WRITE_ROLES)
    obj = model._default_manager.select_for_update().get(pk=obj.pk)
    audit_record(
        actor=actor,
        action=_action(model, "deleted", audit_action),
        obj=obj,
        changes={name: [value, None] for name, value in field_values(obj).items()},
    )
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        raise _in_use(obj, exc.protected_objects) from exc
    except RestrictedError as exc:
        raise _in_use(obj, exc.restricted_objects) from exc


def _in_use(obj, referring):
    return ValidationError(
        _("%(object)s is still in use (%(count)d records refer to it); it cannot be deleted.")
        % {"object": obj, "count": len(referring)}
    )


# --- Service areas -----------------------------------------------------------------------


def area_create(*, actor, audit_action=None, **fields):
    """Add a service area (``code``, ``name``). Writes ``area.created``."""
    return _create(Area, actor=actor, audit_action=audit_action, fields=fields)


def area_update(*, area, actor, audit_action=None, **fields):
    """Rename an area; its code is fixed. Writes ``area.updated`` when something changed."""
    return _update(area, actor=actor, audit_action=audit_action, fields=fields)


def area_delete(*, area, actor, audit_action=None):
    """Delete an area nothing refers to. Writes ``area.deleted``."""
    _delete(area, actor=actor, audit_action=audit_action)


# --- Product categories and models -------------------------------------------------------


def product_category_create(*, actor, audit_action=None, **fields):
    """Add a product category (``code``, ``name``). Writes ``productcategory.created``."""
    return _create(ProductCategory, actor=actor, audit_action=audit_action, fields=fields)


def product_category_update(*, product_category, actor, audit_action=None, **fields):
    """Rename a category; its code is fixed."""
    return _update(product_category, actor=actor, audit_action=audit_action, fields=fields)


def product_category_delete(*, product_category, actor, audit_action=None):
    """Delete a category without models, parts or certification types."""
    _delete(product_category, actor=actor, audit_action=audit_action)


def product_model_create(*, actor, audit_action=None, **fields):
    """Add a product model (``code``, ``name``, ``category``, ``warranty_months``)."""
    return _create(ProductModel, actor=actor, audit_action=audit_action, fields=fields)


def product_model_update(*, product_model, actor, audit_action=None, **fields):
    """Change a model's name, category or warranty length (registered units follow at
    once: ``Product.warranty_until`` is derived); its code is fixed."""
    return _update(product_model, actor=actor, audit_action=audit_action, fields=fields)


def product_model_delete(*, product_model, actor, audit_action=None):
    """Delete a model no unit is registered as."""
    _delete(product_model, actor=actor, audit_action=audit_action)


# --- The work record's catalogues: fault codes and checklists per category ------------


def fault_code_create(*, actor, audit_action=None, **fields):
    """Add a fault code (``category``, ``code``, ``description_en``/``_zh``,
    ``fault_class``). Writes ``faultcode.created``."""
    return _create(FaultCode, actor=actor, audit_action=audit_action, fields=fields)


def fault_code_update(*, fault_code, actor, audit_action=None, **fields):
    """Reword a fault code, change its class or retire it (``active``); its category and
    code are fixed (tickets keep the code they were completed with)."""
    return _update(fault_code, actor=actor, audit_action=audit_action, fields=fields)


def fault_code_delete(*, fault_code, actor, audit_action=None):
    """Delete a fault code (tickets keep the code as text; retire it to keep it listed)."""
    _delete(fault_code, actor=actor, audit_action=audit_action)


def checklist_item_create(*, actor, audit_action=None, **fields):
    """Add a completion check for a category (``label_en``/``_zh``, ``position``,
    ``required``). Writes ``checklistitem.created``."""
    return _create(ChecklistItem, actor=actor, audit_action=audit_action, fields=fields)


def checklist_item_update(*, checklist_item, actor, audit_action=None, **fields):
    """Reword, reorder, require or retire a check; its category is fixed."""
    return _update(checklist_item, actor=actor, audit_action=audit_action, fields=fields)


def checklist_item_delete(*, checklist_item, actor, audit_action=None):
    """Delete a check (completed tickets keep the checklist as ticked)."""
    _delete(checklist_item, actor=actor, audit_action=audit_action)


# --- Working calendars -------------------------------------------------------------------


def working_calendar_create(*, actor, audit_action=None, **fields):
    """Add a calendar (``code``, ``name``, ``time_zone``); its hours are rows of their own."""
    return _create(WorkingCalendar, actor=actor, audit_action=audit_action, fields=fields)


def working_calendar_update(*, working_calendar, actor, audit_action=None, **fields):
    """Rename a calendar or move it to another time zone; its code is fixed. Deadlines
    already computed keep their instants (each is an ``SlaClockEntry``)."""
    return _update(working_calendar, actor=actor, audit_action=audit_action, fields=fields)


def working_calendar_delete(*, working_calendar, actor, audit_action=None):
    """Delete a calendar no SLA policy runs on (its hours and exceptions go with it)."""
    _delete(working_calendar, actor=actor, audit_action=audit_action)


def working_hours_create(*, actor, audit_action=None, **fields):
    """Add a weekly window (``calendar``, ``weekday``, ``start_minute``, ``end_minute``)."""
    return _create(WorkingHours, actor=actor, audit_action=audit_action, fields=fields)


def working_hours_update(*, working_hours, actor, audit_action=None, **fields):
    """Move a weekly window; it stays on its calendar."""
    return _update(working_hours, actor=actor, audit_action=audit_action, fields=fields)


def working_hours_delete(*, working_hours, actor, audit_action=None):
    """Remove a weekly window."""
    _delete(working_hours, actor=actor, audit_action=audit_action)


def calendar_exception_create(*, actor, audit_action=None, **fields):
    """Add a holiday (no ``windows``) or an adjusted working day (windows in minutes),
    one per calendar and date."""
    return _create(CalendarException, actor=actor, audit_action=audit_action, fields=fields)


def calendar_exception_update(*, calendar_exception, actor, audit_action=None, **fields):
    """Correct an exception's date, name or windows; it stays on its calendar."""
    return _update(calendar_exception, actor=actor, audit_action=audit_action, fields=fields)


def calendar_exception_delete(*, calendar_exception, actor, audit_action=None):
    """Remove an exception (the weekday's hours apply again that date)."""
    _delete(calendar_exception, actor=actor, audit_action=audit_action)


# --- SLA policies ------------------------------------------------------------------------


def sla_policy_create(*, actor, audit_action=None, **fields):
    """Add an SLA policy; at most one is the default (constraint ``slapolicy_one_default``)."""
    return _create(SlaPolicy, actor=actor, audit_action=audit_action, fields=fields)


def sla_policy_update(*, sla_policy, actor, audit_action=None, **fields):
    """Change a policy's criteria or targets; tickets already planned keep their
    deadlines until their clock is next re-planned (reclassification, resume)."""
    return _update(sla_policy, actor=actor, audit_action=audit_action, fields=fields)


def sla_policy_delete(*, sla_policy, actor, audit_action=None):
    """Delete a policy no ticket was planned with (otherwise deactivate it)."""
    _delete(sla_policy, actor=actor, audit_action=audit_action)
