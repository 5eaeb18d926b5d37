"""Property: whatever the sequence of movements, every level is the sum of its ledger and
never negative; a refused movement changes nothing."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.exceptions import InsufficientStock
from parts import services
from parts.models import StockLevel, StockMovement
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

PARTS, LOCATIONS = 2, 3

operations = st.lists(
    st.tuples(
        st.sampled_from(
            ["receipt", "transfer", "adjust_up", "adjust_down", "scrap", "reserve", "release"]
        ),
        st.integers(0, PARTS - 1),
        st.integers(0, LOCATIONS - 1),
        st.integers(0, LOCATIONS - 1),
        st.integers(1, 6),
    ),
    max_size=25,
)


class Rollback(Exception):
    pass


def ledger_sum(part, location):
    arrived = StockMovement.objects.filter(part=part, to_location=location).aggregate(
        n=Sum("quantity")
    )["n"]
    left = StockMovement.objects.filter(part=part, from_location=location).aggregate(
        n=Sum("quantity")
    )["n"]
    return (arrived or 0) - (left or 0)


def apply(op, parts, locations, actor, ticket):
    kind, p, a, b, quantity = op
    part, here, there = parts[p], locations[a], locations[b]
    if kind == "reserve":
        services.stock_reserve_for_ticket(
            ticket=ticket,
            lines=[{"part": part, "quantity": quantity, "location": here}],
            actor=actor,
        )
    elif kind == "release":
        services.stock_release_for_ticket(ticket=ticket, actor=actor)
    elif kind == "receipt":
        services.stock_receive(part=part, location=here, quantity=quantity, actor=actor)
    elif kind == "transfer" and here != there:
        services.stock_transfer(
            part=part, from_location=here, to_location=there, quantity=quantity, actor=actor
        )
    elif kind in ("adjust_up", "adjust_down"):
        side = "to_location" if kind == "adjust_up" else "from_location"
        services.stock_movement_post(
            actor=actor,
            kind="adjustment",
            part=part,
            quantity=quantity,
            reason="count",
            **{side: here},
        )
    elif kind == "scrap":
        services.stock_movement_post(
            actor=actor, kind="scrap", part=part, quantity=quantity, from_location=here
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_levels_equal_the_ledger_and_never_go_negative(ops, supervisor, agent):
    """Reservations (a ticket's, all released at once) ride along: a reservation never
    exceeds what is available and never changes on hand."""
    try:
        with transaction.atomic():  # each example starts from an empty stock
            parts = [PartFactory() for _ in range(PARTS)]
            locations = [LocationFactory() for _ in range(LOCATIONS)]
            ticket = make_ticket(actor=agent)
            model, reserved = {}, {}
            for op in ops:
                kind, p, a, b, quantity = op
                before = dict(model)
                try:
                    with transaction.atomic():
                        apply(op, parts, locations, supervisor, ticket)
                except InsufficientStock:
                    assert model == before
                    continue
                if kind == "reserve":
                    reserved[(p, a)] = reserved.get((p, a), 0) + quantity
                elif kind == "release":
                    reserved.clear()
                elif kind in ("receipt", "adjust_up"):
                    model[(p, a)] = model.get((p, a), 0) + quantity
                elif kind in ("adjust_down", "scrap") or (kind == "transfer" and a != b):
                    model[(p, a)] = model.get((p, a), 0) - quantity
                    if kind == "transfer":
                        model[(p, b)] = model.get((p, b), 0) + quantity
                assert all(value >= 0 for value in model.values())
                assert all(reserved[key] <= model.get(key, 0) for key in reserved)
            for p, part in enumerate(parts):
                for a, location in enumerate(locations):
                    on_hand, held = (
                        StockLevel.objects.filter(part=part, location=location)
                        .values_list("on_hand", "reserved")
                        .first()
                    ) or (0, 0)
                    assert on_hand == ledger_sum(part, location) == model.get((p, a), 0)
                    assert held == reserved.get((p, a), 0)
                    assert 0 <= held <= on_hand
            raise Rollback
    except Rollback:
        pass
