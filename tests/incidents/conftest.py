import pytest

from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
)
from tests.tickets.factories import make_ticket as _make_ticket
from tickets.incidents import services


@pytest.fixture
def declare(supervisor):
    def factory(grade="critical", title="Compressor batch failure", **extra):
        return services.incident_declare(actor=supervisor, title=title, grade=grade, **extra)

    return factory


@pytest.fixture
def world(db, agent):
    """Two models, two areas and tickets in each combination."""
    m1 = ProductModelFactory(code="KFR-35")
    m2 = ProductModelFactory(code="KFR-50")
    a1 = AreaFactory(code="pudong", name="Pudong")
    a2 = AreaFactory(code="minhang", name="Minhang")

    def ticket(model, area, customer=None):
        customer = customer or CustomerFactory(area=area)
        product = ProductFactory(customer=customer, model=model)
        return _make_ticket(actor=agent, product=product)

    return {"m1": m1, "m2": m2, "a1": a1, "a2": a2, "ticket": ticket}
