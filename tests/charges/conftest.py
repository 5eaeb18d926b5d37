"""Fixtures of the charges tests: a published price list, and jobs on site whose
warranty decision makes their work charged or free."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.roles import Role
from parts import services as parts
from tests.parts.factories import PartFactory
from tests.tickets.factories import (
    CustomerFactory,
    ProductCategoryFactory,
    ProductFactory,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.charges.choices import PriceListStatus
from tickets.charges.models import CalloutZone, LabourRate, PriceList


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="finance")


@pytest.fixture
def price_list(db):
    """Published, in force since yesterday: repair labour 120 for air conditioners (80 for
    any other category), zones A ≤ 10 km 30, B ≤ 30 km 60, C beyond 100."""
    category = ProductCategoryFactory()
    pl = PriceList.objects.create(
        code="STD-1",
        name="Standard",
        effective_from=timezone.localdate() - datetime.timedelta(days=1),
        status=PriceListStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    LabourRate.objects.create(
        price_list=pl, service_type="repair", product_category=category, amount=Decimal("120.00")
    )
    LabourRate.objects.create(price_list=pl, service_type="repair", amount=Decimal("80.00"))
    for code, limit, fee in (("A", "10", "30.00"), ("B", "30", "60.00"), ("C", None, "100.00")):
        CalloutZone.objects.create(
            price_list=pl,
            code=code,
            name=f"Zone {code}",
            up_to_km=None if limit is None else Decimal(limit),
            fee=Decimal(fee),
        )
    return pl


@pytest.fixture
def stock(technician, supervisor):
    van = parts.location_create_van(technician=technician, actor=None)
    covered = PartFactory(sku="AC-00101", name="Compressor relay", unit_price=Decimal("65.00"))
    uncovered = PartFactory(
        sku="AC-00202", name="Remote control", unit_price=Decimal("80.00"), warranty_covered=False
    )
    for part in (covered, uncovered):
        parts.stock_receive(part=part, location=van, quantity=5, actor=supervisor)
    return {"van": van, "covered": covered, "uncovered": uncovered}


@pytest.fixture
def job(agent, supervisor, technician):
    """job("out_of_warranty") → a ticket on site with that warranty decision."""

    def build(decision="out_of_warranty", status="on_site", **fields):
        customer = CustomerFactory(area=technician.areas.first())
        # The decision is derived from the unit's warranty (tickets.warranty): a unit
        # bought five years ago is out of warranty, one bought 90 days ago is in; goodwill
        # is a supervisor's override of an out-of-warranty unit, with a reason.
        bought = timezone.localdate() - datetime.timedelta(
            days=90 if decision == "in_warranty" else 5 * 365
        )
        product = ProductFactory(customer=customer, purchase_date=bought)
        ticket = make_ticket(actor=agent, customer=customer, product=product, **fields)
        if decision == "goodwill":
            ticket = services.ticket_triage(
                ticket=ticket,
                actor=supervisor,
                priority="p2",
                warranty_decision=decision,
                goodwill_reason="Loyal customer",
            )
        else:
            ticket = services.ticket_triage(
                ticket=ticket, actor=agent, priority="p2", warranty_decision=decision
            )
        start, end = appointment()
        ticket = services.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
        )
        if status == "dispatched":
            return ticket
        return services.ticket_check_in(ticket=ticket, actor=technician.user)

    return build


def complete(ticket, actor, parts_used=None):
    return services.ticket_complete(
        ticket=ticket,
        actor=actor,
        fault_class="hardware",
        fault_code="E4",
        diagnosis="Relay",
        work_done="Relay replaced",
        test_passed=True,
        parts_used=parts_used or [],
    )


SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def other_technician(technician):
    from tests.tickets.factories import TechnicianFactory

    return TechnicianFactory(user__username="tech2", areas=list(technician.areas.all()))


@pytest.fixture
def catalogue():
    """The fault codes and the completion checklist of the job page's tests."""
    from tickets.models import ChecklistItem, FaultCode

    category = ProductCategoryFactory()
    code = FaultCode.objects.create(
        category=category, code="E4", description_en="Compressor relay",
        description_zh="压缩机继电器", fault_class="electrical",
    )  # fmt: skip
    item = ChecklistItem.objects.create(
        category=category, label_en="Tested in front of the customer", label_zh="当面试机",
        position=1, required=True,
    )  # fmt: skip
    return {"codes": [code], "items": [item]}
