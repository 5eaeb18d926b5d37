"""Technicians' profiles and sign-ins: create, update, lock."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.roles import Role, role_require
from aftersales.unique import unique_or_invalid
from audits.services import audit_record
from parts.services import location_create_van

from ..choices import MANAGER_ROLES
from ..models import Technician


def technician_lock(*, technician_id):
    """Lock the technician row so two dispatchers cannot fill the same last slot."""
    return Technician.objects.select_for_update().get(pk=technician_id)


@transaction.atomic
def technician_create(
    *,
    actor,
    username,
    full_name,
    phone,
    employee_no,
    areas=(),
    max_jobs_per_day=6,
    working_days="1234567",
    home_outlet=None,
    password=None,
):
    """Create the technician and their sign-in (group ``technician``).

    Without a password the account cannot sign in until one is set; a password must pass
    ``AUTH_PASSWORD_VALIDATORS`` (400 on ``password``). Writes a ``technician.created``
    audit event (the password never enters it).
    """
    role_require(actor, *MANAGER_ROLES)
    user_model = get_user_model()
    username_taken = _("This username is taken.")
    employee_no_taken = _("This employee number is taken.")
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [username_taken]})
    if Technician.objects.filter(employee_no=employee_no).exists():
        raise ValidationError({"employee_no": [employee_no_taken]})
    user = user_model(username=username, first_name=full_name[:150])
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    else:
        user.set_unusable_password()
    with unique_or_invalid("username", username_taken):
        user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.TECHNICIAN)[0])
    with unique_or_invalid("employee_no", employee_no_taken):
        technician = Technician.objects.create(
            user=user,
            full_name=full_name,
            phone=phone,
            employee_no=employee_no,
            max_jobs_per_day=max_jobs_per_day,
            working_days=working_days,
            home_outlet=_outlet(home_outlet),
        )
    technician.areas.set(areas)
    location_create_van(technician=technician, actor=actor)
    audit_record(
        actor=actor,
        action="technician.created",
        obj=technician,
        changes={
            "username": username,
            "employee_no": employee_no,
            "areas": sorted(a.code for a in areas),
            "max_jobs_per_day": max_jobs_per_day,
            "working_days": working_days,
            "home_outlet": home_outlet.code if home_outlet else None,
        },
    )
    return technician


def _outlet(location):
    """A home outlet must be a service outlet (not a warehouse or a van)."""
    if location is not None and location.kind != "outlet":
        raise ValidationError({"home_outlet": [_("Choose a service outlet.")]})
    return location


UPDATABLE_FIELDS = (
    "full_name",
    "phone",
    "max_jobs_per_day",
    "working_days",
    "home_outlet",
    "active",
)


@transaction.atomic
def technician_update(*, technician, actor, areas=None, **fields):
    """Change a technician's profile (name, phone, capacity, working days, areas, active).

    Locks the row (dispatch reads capacity under the same lock). Writes one
    ``technician.updated`` audit event with before/after values of what changed.
    """
    role_require(actor, *MANAGER_ROLES)
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    technician = technician_lock(technician_id=technician.pk)
    changes = {}
    for field, value in fields.items():
        before = getattr(technician, field)
        if before != value:
            if field == "home_outlet":
                _outlet(value)
                changes[field] = [getattr(before, "code", None), getattr(value, "code", None)]
            else:
                changes[field] = [before, value]
            setattr(technician, field, value)
    if changes:
        technician.full_clean(exclude=["user", "areas"])
        technician.save(update_fields=list(changes))
    if areas is not None:
        before = sorted(technician.areas.values_list("code", flat=True))
        after = sorted(a.code for a in areas)
        if before != after:
            technician.areas.set(areas)
            changes["areas"] = [before, after]
    if changes:
        audit_record(actor=actor, action="technician.updated", obj=technician, changes=changes)
    return technician
