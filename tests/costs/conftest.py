"""Fixtures of the costs tests: finance and the general manager, a receipt photo, the
rates in force, and jobs walked through the services to completion with known times."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from aftersales.roles import Role
from parts import services as parts_services
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import CustomerFactory, appointment, make_ticket
from tickets import services as tickets
from tickets.costs import services
from tickets.costs.models import CostRate, ExpenseClaim
from tickets.models import Ticket


def receipt_png(name="receipt.png", size=(60, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 90)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="finance")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="manager")


@pytest.fixture
def rate(db):
    return CostRate.objects.create(
        effective_from=datetime.date(2020, 1, 1),
        labour_hourly_rate=Decimal("80.00"),
        travel_km_rate=Decimal("1.50"),
    )


@pytest.fixture
def file_claim(technician):
    """file_claim(amount="120.00", ...) → a claim filed by ``technician`` through the service."""

    def build(amount="120.00", *, kind="toll", ticket=None, spent_on=None, note="", by=None):
        return services.expense_claim_file(
            actor=(by or technician).user,
            kind=kind,
            amount=Decimal(amount),
            spent_on=spent_on or timezone.localdate(),
            receipt=receipt_png(),
            ticket=ticket,
            note=note,
        )

    return build


def approve_all(claim, *actors):
    for actor in actors:
        claim = services.expense_claim_approve(claim=claim, actor=actor)
    return claim


@pytest.fixture
def completed_job(agent, supervisor, technician):
    """completed_job(minutes=90, km="12.5", parts=[(part, qty)], outlet=None, ...) → a
    ticket walked through the services to completion, then its check-in and completion
    instants set to ``completed_at - minutes`` and ``completed_at`` (the facts a cost reads)."""
    warehouse = LocationFactory(code="WH-COSTS")

    def build(
        *,
        minutes=90,
        km="12.5",
        parts=(),
        outlet=None,
        completed_at=None,
        product=None,
        warranty="in_warranty",
        category="repair",
    ):
        customer = product.customer if product else CustomerFactory(area=technician.areas.first())
        ticket = make_ticket(actor=agent, customer=customer, product=product, category=category)
        ticket = tickets.ticket_triage(
            ticket=ticket, actor=agent, priority="p2", warranty_decision=warranty
        )
        start, end = appointment()
        ticket = tickets.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
        )
        ticket = tickets.ticket_check_in(ticket=ticket, actor=technician.user)
        used = []
        for part, quantity in parts:
            parts_services.stock_receive(
                part=part, location=warehouse, quantity=quantity, actor=supervisor
            )
            used.append({"part": part, "quantity": quantity, "location": warehouse})
        ticket = tickets.ticket_complete(
            ticket=ticket,
            actor=technician.user,
            fault_class="hardware",
            fault_code="E4",
            diagnosis="Relay",
            work_done="Relay replaced",
            test_passed=True,
            parts_used=used,
        )
        completed_at = completed_at or timezone.now() - datetime.timedelta(minutes=5)
        Ticket.objects.filter(pk=ticket.pk).update(
            on_site_at=completed_at - datetime.timedelta(minutes=minutes),
            completed_at=completed_at,
            travel_km=Decimal(km) if km is not None else None,
            outlet=outlet,
        )
        return Ticket.objects.get(pk=ticket.pk)

    return build


@pytest.fixture
def part(db):
    return PartFactory(unit_cost=Decimal("40.00"), unit_price=Decimal("65.00"))


__all__ = ["ExpenseClaim", "approve_all", "receipt_png"]
