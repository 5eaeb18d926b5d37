"""Tickets put in a given shape directly (timestamps, technician, record fields), for the
sampling and KPI tests whose figures are computed by hand."""

from datetime import UTC, datetime

import pytest

from tests.tickets.factories import make_ticket
from tickets.models import Ticket


def at(day, hour=0, month=3):
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def shaped_ticket(agent):
    """shaped_ticket(**fields) → a ticket created through intake, then set to ``fields``."""

    def build(**fields):
        ticket = make_ticket(actor=agent, product=fields.pop("product", None))
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
        return ticket

    return build


@pytest.fixture
def closed_ticket(shaped_ticket):
    def build(technician, day=5, **fields):
        values = {
            "status": "closed",
            "technician": technician,
            "created_at": at(day - 1),
            "responded_at": at(day - 1, 1),
            "response_due_at": at(day),
            "dispatched_at": at(day - 1, 2),
            "dispatch_due_at": at(day + 1),
            "completed_at": at(day - 1, 5),
            "closed_at": at(day, 1),
            "fault_code": "E1",
            "confirmation_signature": "data:image/png;base64,AA==",
            "satisfaction": 5,
        }
        values.update(fields)
        return shaped_ticket(**values)

    return build
