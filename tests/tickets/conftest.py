"""Fixtures shared by the tickets tests: a desk team and tickets put in any status."""

from decimal import Decimal

import pytest

from aftersales.roles import Role
from parts import services as parts
from tests.parts.factories import PartFactory
from tests.tickets.factories import (
    CustomerFactory,
    ProductCategoryFactory,
    ProductFactory,
    TechnicianFactory,
    advance,
    make_ticket,
)
from tickets.models import ChecklistItem, FaultCode


@pytest.fixture
def other_agent(make_user):
    return make_user(Role.AGENT, username="agent2")


@pytest.fixture
def other_technician(technician):
    """A second technician covering the same area as ``technician``."""
    return TechnicianFactory(user__username="tech2", areas=list(technician.areas.all()))


@pytest.fixture
def ticket_in(agent, supervisor, technician):
    """ticket_in("on_site") → a ticket walked there through the services.

    The agent takes it in (and owns it), the supervisor dispatches it to ``technician``,
    whose area the customer lives in.
    """

    def build(status, **fields):
        fields.setdefault("customer", CustomerFactory(area=technician.areas.first()))
        ticket = make_ticket(actor=agent, **fields)
        return advance(ticket, status, desk=agent, supervisor=supervisor, technician=technician)

    return build


@pytest.fixture
def office():
    """A Mon–Sat 08:00–20:00 working calendar in Shanghai, no holidays."""
    from tickets.models import WorkingCalendar, WorkingHours

    calendar = WorkingCalendar.objects.create(
        code="office", name="Office", time_zone="Asia/Shanghai"
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=day, start_minute=8 * 60, end_minute=20 * 60)
        for day in range(6)
    )
    return calendar


# --- The technician's job page (test_job_page, test_job_browser) ---------------------------


@pytest.fixture
def catalogue():
    category = ProductCategoryFactory()
    codes = [
        FaultCode.objects.create(
            category=category,
            code="E4",
            description_en="Compressor relay",
            description_zh="压缩机继电器",
            fault_class="electrical",
        ),
        FaultCode.objects.create(
            category=category,
            code="F1",
            description_en="Refrigerant leak",
            description_zh="制冷剂泄漏",
            fault_class="mechanical",
        ),
    ]
    items = [
        ChecklistItem.objects.create(
            category=category, label_en="Tested in front of the customer",
            label_zh="当面试机", position=1, required=True,
        ),
        ChecklistItem.objects.create(
            category=category, label_en="Area cleaned", label_zh="现场已清洁", position=2
        ),
    ]  # fmt: skip
    return {"codes": codes, "items": items}


@pytest.fixture
def van_stock(technician, supervisor):
    van = parts.location_create_van(technician=technician, actor=None)
    covered = PartFactory(sku="AC-00101", name="Compressor relay", unit_price=Decimal("65.00"))
    uncovered = PartFactory(
        sku="AC-00202", name="Remote control", unit_price=Decimal("80.00"), warranty_covered=False
    )
    for part in (covered, uncovered):
        parts.stock_receive(part=part, location=van, quantity=5, actor=supervisor)
    return {"van": van, "covered": covered, "uncovered": uncovered}


@pytest.fixture
def job_in(agent, supervisor, technician, catalogue):
    def build(status="dispatched", **fields):
        customer = CustomerFactory(area=technician.areas.first(), language="zh-hans",
                                   email="chen@example.com")  # fmt: skip
        product = ProductFactory(customer=customer)
        ticket = make_ticket(actor=agent, customer=customer, product=product, **fields)
        return advance(ticket, status, desk=agent, supervisor=supervisor, technician=technician)

    return build
