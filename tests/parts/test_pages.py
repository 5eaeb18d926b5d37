"""The ticket page: parts used from the phone form, the parts-and-charges panel and the
unit's service history, in English and Simplified Chinese."""

import pytest
from django.urls import reverse

from parts.models import StockLevel, TicketPart
from tests.parts.factories import PartFactory
from tests.tickets.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _complete(client, ticket, parts_used):
    return client.post(
        reverse("ticket-action-page", args=[ticket.pk, "complete"]),
        {
            "version": ticket.version,
            "fault_class": "hardware",
            "fault_code": "E4",
            "diagnosis": "Relay",
            "work_done": "Relay replaced",
            "test_passed": "true",
            "parts_used": parts_used,
        },
    )


def test_technician_records_parts_used_on_the_page(client, technician, job, part, van, stock):
    stock(part, van, 2)
    product = ProductFactory(customer__area=technician.areas.first())
    ticket = job(product=product)
    client.force_login(technician.user)
    response = _complete(client, ticket, f"{part.sku.lower()} 2 NEW-1 OLD-1\n")
    assert response.status_code == 302, response.content.decode()[:2000]
    line = TicketPart.objects.get()
    assert (line.quantity, line.fitted_serial, line.removed_serial) == (2, "NEW-1", "OLD-1")
    assert StockLevel.objects.get(part=part, location=van).on_hand == 0
    page = client.get(reverse("ticket-detail-page", args=[ticket.pk])).content.decode()
    assert "Parts and charges" in page and part.sku in page and "OLD-1" in page
    assert "Service history of this unit" in page


def test_unknown_part_or_short_stock_is_shown_not_a_500(client, technician, job, part, van):
    ticket = job()
    client.force_login(technician.user)
    unknown = _complete(client, ticket, "ZZ-99999 1")
    assert unknown.status_code == 400 and "ZZ-99999" in unknown.content.decode()
    short = _complete(client, ticket, f"{part.sku} 1")
    assert short.status_code == 409
    assert not TicketPart.objects.exists()


def test_parts_panel_in_chinese(client, technician, job, van, stock):
    part = PartFactory(warranty_covered=False)
    stock(part, van, 1)
    ticket = job()
    client.force_login(technician.user)
    _complete(client, ticket, part.sku)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(
        reverse("ticket-detail-page", args=[ticket.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "配件与收费" in page and "收费" in page and "应收合计" in page
