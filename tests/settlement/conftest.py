"""Fixtures of the settlement tests: an outlet with its stock, published price lists, and
signed work orders walked through the services and then dated into the settled month."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from aftersales.roles import Role
from parts import services as parts
from parts.choices import LocationKind
from technicians.outlets.choices import OutletKind
from technicians.outlets.models import Outlet
from tests.charges.conftest import SIGNATURE
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import CustomerFactory, ProductFactory, appointment, make_ticket
from tickets import services as tickets
from tickets.charges import services as charges
from tickets.charges.choices import PriceListStatus
from tickets.charges.models import CalloutZone, LabourRate, PriceList
from tickets.models import Ticket
from tickets.warranty.coverage import ticket_coverage

MONTH = datetime.date(2026, 10, 1)


def local(*args):
    """An aware datetime in the centre's time zone."""
    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def make_outlet(code="PT-01", *, with_stock=True):
    stock = (
        LocationFactory(code=f"OUT-{code}", name=f"Outlet {code}", kind=LocationKind.OUTLET)
        if with_stock
        else None
    )
    return Outlet.objects.create(
        code=code,
        name=f"Partner {code}",
        kind=OutletKind.PARTNER,
        company_name=f"{code} Service Co.",
        stock_location=stock,
    )


def publish_price_list(code, effective_from, *, repair, install="80.00", zones=None):
    """A published list: repair labour for air conditioners, installation for any
    category, and call-out zones (up to km → fee; None: beyond)."""
    from tickets.models import ProductCategory

    aircon, _ = ProductCategory.objects.get_or_create(
        code="aircon", defaults={"name": "Air conditioners"}
    )
    price_list = PriceList.objects.create(
        code=code, name=code, effective_from=effective_from, status=PriceListStatus.PUBLISHED
    )
    LabourRate.objects.create(
        price_list=price_list, service_type="repair", product_category=aircon, amount=repair
    )
    LabourRate.objects.create(
        price_list=price_list, service_type="installation", product_category=None, amount=install
    )
    for index, (km, fee) in enumerate((zones or {10: "0.00", 30: "30.00", None: "60.00"}).items()):
        CalloutZone.objects.create(
            price_list=price_list,
            code=f"Z{index + 1}",
            name=f"Zone {index + 1}",
            up_to_km=km,
            fee=fee,
        )
    return price_list


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="finance")


@pytest.fixture
def finance2(make_user):
    return make_user(Role.FINANCE, username="finance2")


@pytest.fixture
def outlet(db):
    return make_outlet()


@pytest.fixture
def price_lists(db):
    """2026 list from January; a dearer one in force from 15 October."""
    return (
        publish_price_list("PL-2026", datetime.date(2026, 1, 1), repair="100.00"),
        publish_price_list("PL-2026B", datetime.date(2026, 10, 15), repair="120.00"),
    )


@pytest.fixture
def signed_job(agent, supervisor, technician):
    """signed_job(outlet, closed_at=..., km=..., parts=[(part, qty, location)], ...) → a
    ticket walked through the services to ``status`` (default closed: signed), then given
    to ``outlet`` and dated: completed ``completed_at`` (default one hour before closing)."""

    made = {"n": 0}

    def build(
        outlet,
        *,
        closed_at,
        completed_at=None,
        km=Decimal("5.0"),
        parts_used=(),
        status="closed",
        category="repair",
        warranty="in_warranty",
    ):
        customer = CustomerFactory(area=technician.areas.first())
        # The decision is derived (tickets.warranty): a unit bought 90 days ago is in
        # warranty, one bought five years ago is out.
        bought = timezone.localdate() - datetime.timedelta(
            days=90 if warranty == "in_warranty" else 5 * 365
        )
        ticket = make_ticket(
            actor=agent,
            customer=customer,
            product=ProductFactory(customer=customer, purchase_date=bought),
            category=category,
        )
        if status == "cancelled":
            ticket = tickets.ticket_cancel(ticket=ticket, actor=agent, reason="Withdrawn")
        else:
            ticket = tickets.ticket_triage(ticket=ticket, actor=agent, priority="p2")
            # A new day every five jobs: the technician takes at most six a day.
            made["n"] += 1
            start, end = appointment(days=1 + made["n"] // 5)
            ticket = tickets.ticket_dispatch(
                ticket=ticket,
                actor=supervisor,
                technician=technician,
                appointment_start=start,
                appointment_end=end,
            )
            ticket = tickets.ticket_check_in(ticket=ticket, actor=technician.user)
            lines = []
            for part, quantity, location in parts_used:
                parts.stock_receive(part=part, location=location, quantity=quantity, actor=None)
                lines.append({"part": part, "quantity": quantity, "location": location})
            if ticket_coverage(ticket).anything_charged:
                # Charged work is quoted and approved by the customer first (tickets.charges).
                quote = charges.quote_create(
                    ticket=ticket,
                    actor=technician.user,
                    travel_km=km,
                    parts=[{"part": line["part"], "quantity": line["quantity"]} for line in lines],
                )
                charges.quote_approve(quote=quote, actor=technician.user, signature=SIGNATURE)
                ticket.refresh_from_db()
            ticket = tickets.ticket_complete(
                ticket=ticket,
                actor=technician.user,
                fault_class="hardware",
                fault_code="E4",
                diagnosis="Relay",
                work_done="Relay replaced",
                test_passed=True,
                parts_used=lines,
            )
            if status in ("closed", "followed_up"):
                ticket = tickets.ticket_confirm(
                    ticket=ticket, actor=technician.user, accepted=True, satisfaction=5
                )
            if status == "followed_up":
                ticket = tickets.ticket_follow_up(
                    ticket=ticket, actor=agent, satisfaction=5, via="phone"
                )
        done = completed_at or closed_at - datetime.timedelta(hours=1)
        fields = {"outlet": outlet, "travel_km": km}
        if status in ("closed", "followed_up"):
            fields.update(
                closed_at=closed_at,
                completed_at=done,
                on_site_at=done - datetime.timedelta(hours=1),
            )
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
        return ticket

    return build


@pytest.fixture
def part(db):
    return PartFactory(unit_cost=Decimal("40.00"), unit_price=Decimal("65.00"))


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="WH-MAIN", name="Main warehouse")
