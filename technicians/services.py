"""Technician rules. ``technician_eligibility`` is the one place dispatch asks "may they go?"."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aftersales.roles import Role
from audits.services import audit_record
from tickets.choices import OPEN_STATUSES, TicketStatus

from .models import Technician


def technician_eligibility(*, technician, ticket, start, end):
    """Reasons (codes) why ``technician`` may not take ``ticket`` in [start, end); empty = eligible.

    Checked now: active, covers the customer's area, a free slot that day
    (``max_jobs_per_day``). Certification and absences plug in here.
    """
    reasons = []
    if not technician.active:
        reasons.append("inactive")
    area_id = ticket.customer.area_id
    if area_id is not None and not technician.areas.filter(pk=area_id).exists():
        reasons.append("area_not_covered")
    day_start = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
    booked = (
        technician.tickets.filter(
            status__in=[s for s in OPEN_STATUSES if s != TicketStatus.NEW],
            appointment_start__gte=day_start,
            appointment_start__lt=day_start + datetime.timedelta(days=1),
        )
        .exclude(pk=ticket.pk)
        .count()
    )
    if booked >= technician.max_jobs_per_day:
        reasons.append("day_full")
    return reasons


def technician_lock(*, technician_id):
    """Lock the technician row so two dispatchers cannot fill the same last slot."""
    return Technician.objects.select_for_update().get(pk=technician_id)


@transaction.atomic
def technician_create(
    *, actor, username, full_name, phone, employee_no, areas=(), max_jobs_per_day=6, password=None
):
    """Create the technician and their sign-in (group ``technician``).

    Without a password the account cannot sign in until one is set. Writes a
    ``technician.created`` audit event (the password never enters it).
    """
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["This username is taken."]})
    if Technician.objects.filter(employee_no=employee_no).exists():
        raise ValidationError({"employee_no": ["This employee number is taken."]})
    user = user_model(username=username, first_name=full_name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.TECHNICIAN)[0])
    technician = Technician.objects.create(
        user=user,
        full_name=full_name,
        phone=phone,
        employee_no=employee_no,
        max_jobs_per_day=max_jobs_per_day,
    )
    technician.areas.set(areas)
    audit_record(
        actor=actor,
        action="technician.created",
        obj=technician,
        changes={
            "username": username,
            "employee_no": employee_no,
            "areas": sorted(a.code for a in areas),
        },
    )
    return technician
