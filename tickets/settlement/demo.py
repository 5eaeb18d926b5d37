"""Demo settlement for ``make run`` (``manage.py seed_demo_settlement``, after
``seed_demo``): idempotent, written through the services, so the settlement pages show a
partner outlet with a statement of last month under review and a draft of this month."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from aftersales.roles import Role
from parts.choices import LocationKind
from parts.models import StockLocation
from technicians.outlets.choices import OutletKind
from technicians.outlets.models import Outlet
from tickets.charges import pricing
from tickets.charges.choices import PriceListStatus
from tickets.charges.models import CalloutZone, LabourRate, PriceList
from tickets.choices import TicketCategory
from tickets.models import Ticket

from . import services
from .models import Statement
from .selectors import SIGNED_STATUSES, month_bounds

OUTLET = "PT-DEMO"


def _user(username, role):
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username=username, password=settings.DEMO_PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _price_list(day):
    if pricing.price_list_on(day) is not None:
        return
    price_list = PriceList.objects.create(
        code="PL-DEMO-ST",
        name="Demo charging standards 演示收费标准",
        effective_from=day.replace(month=1, day=1) - datetime.timedelta(days=366),
        status=PriceListStatus.PUBLISHED,
    )
    for code in TicketCategory.values:
        LabourRate.objects.create(price_list=price_list, service_type=code, amount=Decimal(80))
    CalloutZone.objects.create(price_list=price_list, code="Z1", name="City", up_to_km=15, fee=0)
    CalloutZone.objects.create(
        price_list=price_list, code="Z2", name="Suburbs", up_to_km=40, fee=30
    )
    CalloutZone.objects.create(price_list=price_list, code="Z3", name="Far", up_to_km=None, fee=60)


def seed_demo_settlement():
    """The partner outlet PT-DEMO, the demo's signed tickets given to it (half of them
    moved into last month), last month's statement submitted by ``finance`` and this
    month's draft. Returns the statements, or () when there is nothing to settle."""
    finance = _user("finance", Role.FINANCE)
    _user("finance2", Role.FINANCE)
    if Statement.objects.filter(outlet__code=OUTLET).exists():
        return tuple(Statement.objects.filter(outlet__code=OUTLET))
    stock, _ = StockLocation.objects.get_or_create(
        code="OUT-PT-DEMO", defaults={"name": "Partner demo outlet", "kind": LocationKind.OUTLET}
    )
    outlet, _ = Outlet.objects.get_or_create(
        code=OUTLET,
        defaults={
            "name": "Demo partner outlet 演示合作网点",
            "kind": OutletKind.PARTNER,
            "company_name": "Pudong Repair Partners Ltd.",
            "stock_location": stock,
        },
    )
    signed = list(
        Ticket.objects.filter(status__in=SIGNED_STATUSES, outlet__isnull=True).order_by("id")
    )
    if not signed:
        return ()
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    _price_list(last_month)
    start, _end = month_bounds(last_month)
    for index, ticket in enumerate(signed):
        fields = {"outlet": outlet, "travel_km": Decimal(5 + 10 * (index % 5))}
        if index % 2 == 0:  # moved to the middle of last month
            shift = ticket.closed_at - (start + datetime.timedelta(days=10 + index % 15))
            fields.update(
                closed_at=ticket.closed_at - shift,
                completed_at=(ticket.completed_at or ticket.closed_at) - shift,
            )
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
    previous = services.statement_build(outlet=outlet, month=last_month, actor=finance)
    previous = services.statement_submit(statement=previous, actor=finance)
    current = services.statement_build(outlet=outlet, month=this_month, actor=finance)
    return previous, current
