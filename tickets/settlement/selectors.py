"""Reads of settlement: who sees which statements, the month's signed work orders, pages."""

import calendar
import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Q

from aftersales.roles import Role, has_role
from parts.models import TicketPart
from tickets.choices import TicketStatus
from tickets.models import Ticket

from .choices import SHOWN_TO_OUTLET
from .models import Statement, StatementLine

# The customer's signature closes the ticket (``ticket_confirm``, accepted); the follow-up
# call keeps it signed. Nothing else is a signed work order.
SIGNED_STATUSES = (TicketStatus.CLOSED, TicketStatus.FOLLOWED_UP)
# Who reads every statement: the money side, supervisors, the general manager, auditors.
STATEMENT_READERS = (Role.SUPERVISOR, Role.FINANCE, Role.MANAGER, Role.AUDITOR)
# Who builds, submits, approves and returns statements.
STATEMENT_CLERKS = (Role.SUPERVISOR, Role.FINANCE)
# Readers of the API and pages: the above and the outlets' own dispatchers (their outlets).
STATEMENT_VIEWERS = (*STATEMENT_READERS, Role.OUTLET_DISPATCHER)


def centre_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_start(day):
    """The first day of ``day``'s month (a date)."""
    return day.replace(day=1)


def month_bounds(month):
    """[start, end) of the month as aware datetimes at midnight in the centre's zone."""
    month = month_start(month)
    last = calendar.monthrange(month.year, month.month)[1]
    following = month + datetime.timedelta(days=last)
    zone = centre_zone()
    return (
        datetime.datetime.combine(month, datetime.time(), tzinfo=zone),
        datetime.datetime.combine(following, datetime.time(), tzinfo=zone),
    )


def signed_work_orders(*, outlet, month):
    """The outlet's tickets signed by the customer in ``month``: status closed or followed
    up, ``closed_at`` (the signature) in the month in the centre's time zone. Cancelled,
    unsigned and rejected tickets, other outlets' and other months' are not in it."""
    start, end = month_bounds(month)
    return Ticket.objects.filter(
        outlet=outlet,
        status__in=SIGNED_STATUSES,
        closed_at__gte=start,
        closed_at__lt=end,
    )


def work_order_rows(*, outlet, month):
    """The signed work orders with what pricing needs, and their parts: two queries."""
    tickets = list(
        signed_work_orders(outlet=outlet, month=month)
        .select_related("product__model__category", "technician")
        .only(
            "id",
            "number",
            "category",
            "closed_at",
            "completed_at",
            "on_site_at",
            "travel_km",
            "product__model__category__id",
            "product__model__category__name",
            "technician__full_name",
        )
        .order_by("closed_at", "id")
    )
    parts = {}
    rows = (
        TicketPart.objects.filter(
            ticket__in=signed_work_orders(outlet=outlet, month=month).values("id")
        )
        .select_related("part")
        .only(
            "ticket_id",
            "location_id",
            "quantity",
            "charged",
            "unit_price",
            "part__sku",
            "part__name",
            "part__unit_cost",
        )
        .order_by("id")
    )
    for row in rows:
        parts.setdefault(row.ticket_id, []).append(row)
    return tickets, parts


def statement_list(*, user):
    """The statements ``user`` may read: all for the readers; an outlet dispatcher's own
    outlets' once submitted; nothing for anyone else."""
    qs = Statement.objects.select_related("outlet")
    if has_role(user, *STATEMENT_READERS):
        return qs
    if has_role(user, Role.OUTLET_DISPATCHER):
        return qs.filter(Q(outlet__dispatchers=user) & Q(status__in=SHOWN_TO_OUTLET)).distinct()
    return qs.none()


def statement_lines(*, statement):
    return StatementLine.objects.filter(statement=statement).order_by("closed_at", "id")


def statement_filter(qs, *, outlet=None, month=None, status=None):
    """The list's filters (each optional): an outlet, a month (any day of it), a status."""
    if outlet:
        qs = qs.filter(outlet=outlet)
    if month:
        qs = qs.filter(month=month_start(month))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-month", "outlet__code")
