"""Fixtures of the instrument ledger tests: kinds, the air conditioners' requirement, a
store, and an instrument factory (through the services, as a supervisor)."""

import datetime

import pytest
from django.utils import timezone

from parts.choices import LocationKind
from parts.models import StockLocation
from technicians.tools import services
from tests.tickets.conftest import catalogue, job_in  # noqa: F401  (fixtures)
from tests.tickets.factories import ProductCategoryFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def kinds(supervisor):
    return {
        code: services.instrument_kind_create(actor=supervisor, code=code, name=name)
        for code, name in (
            ("gauge", "Refrigerant gauge"),
            ("leak", "Leak detector"),
            ("meter", "Multimeter"),
        )
    }


@pytest.fixture
def store():
    return StockLocation.objects.create(code="WH1", name="Main store", kind=LocationKind.WAREHOUSE)


@pytest.fixture
def aircon_needs(kinds, supervisor):
    category = ProductCategoryFactory()  # "aircon", the job_in units' category
    services.tool_requirements_set(
        actor=supervisor, category=category, kinds=[kinds["gauge"], kinds["leak"]]
    )
    return category


@pytest.fixture
def make_instrument(supervisor, kinds, store):
    counter = iter(range(1, 1000))

    def build(kind="gauge", *, due_in=30, holder=None, number=None):
        today = timezone.localdate()
        instrument = services.instrument_create(
            actor=supervisor,
            number=number or f"I-{next(counter):04d}",
            kind=kinds[kind],
            model="M1",
            serial="S1",
            location=store,
            calibration_due_on=None if due_in is None else today + due_in * DAY,
        )
        if holder is not None:
            instrument = services.instrument_issue(
                instrument=instrument, actor=supervisor, technician=holder
            )
        return instrument

    return build


@pytest.fixture
def equipped(make_instrument, technician, aircon_needs):
    """The technician holds a current gauge and an OVERDUE leak detector."""
    return {
        "gauge": make_instrument("gauge", due_in=60, holder=technician, number="G-0001"),
        "leak": make_instrument("leak", due_in=-2, holder=technician, number="L-0001"),
    }


@pytest.fixture
def other_tech(technician):
    from tests.tickets.factories import TechnicianFactory

    return TechnicianFactory(user__username="tech2")
