"""Technician rules. ``technician_eligibility`` is the one place dispatch asks "may they go?"."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role
from audits.services import audit_record
from parts.services import location_create_van
from tickets.choices import TicketStatus

from .models import Technician


def eligibility_reasons(*, technician, area_ids, ticket_area_id, booked):
    """The rule, on plain facts: reason codes against sending ``technician``; empty = eligible.

    ``area_ids`` are the areas they cover, ``booked`` their jobs already on that day.
    Checked now: active, covers the customer's area, a free slot that day
    (``max_jobs_per_day``). Certification and absences plug in here.
    """
    reasons = []
    if not technician.active:
        reasons.append("inactive")
    if ticket_area_id is not None and ticket_area_id not in area_ids:
        reasons.append("area_not_covered")
    if booked >= technician.max_jobs_per_day:
        reasons.append("day_full")
    return reasons


def local_day_bounds(day):
    """[start, end) of a local calendar day as aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min) + datetime.timedelta(days=1)
    )


def bookings_on(*, day, technician_ids, exclude_ticket_id=None):
    """Technician id → number of jobs booked on ``day`` (one grouped query).

    Every booking with an appointment that day counts, done or not; cancelled ones don't.
    """
    from tickets.models import Ticket

    start, end = local_day_bounds(day)
    rows = (
        Ticket.objects.filter(
            technician_id__in=technician_ids,
            appointment_start__gte=start,
            appointment_start__lt=end,
        )
        .exclude(status=TicketStatus.CANCELLED)
        .exclude(pk=exclude_ticket_id)
        .values("technician_id")
        .annotate(n=Count("id"))
    )
    return {row["technician_id"]: row["n"] for row in rows}


def technician_eligibility(*, technician, ticket, start, end):
    """Reasons why ``technician`` may not take ``ticket`` in [start, end); empty = eligible."""
    day = timezone.localtime(start).date()
    booked = bookings_on(day=day, technician_ids=[technician.pk], exclude_ticket_id=ticket.pk)
    return eligibility_reasons(
        technician=technician,
        area_ids=set(technician.areas.values_list("pk", flat=True)),
        ticket_area_id=ticket.area_id,
        booked=booked.get(technician.pk, 0),
    )


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
        raise ValidationError({"username": [_("This username is taken.")]})
    if Technician.objects.filter(employee_no=employee_no).exists():
        raise ValidationError({"employee_no": [_("This employee number is taken.")]})
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
    location_create_van(technician=technician, actor=actor)
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
