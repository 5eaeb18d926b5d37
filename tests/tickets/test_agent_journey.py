"""An agent takes a call end to end by keyboard (issue 13, "Done means"): the phone rings
(screen pop), or the agent searches by the last four digits and by pinyin, lands on the
customer, records a ticket for a unit that already has an open one (the warning seen and
acknowledged), and triages it, without touching the mouse; in English and in Chinese.
Every step is checked in the database, not only on the page."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from tests.browser import _screenshot, _sign_in, _tab_to, assert_accessible
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    make_ticket,
)
from tickets.choices import TicketStatus
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "zh": "zh-CN"}


@pytest.fixture
def caller(make_user):
    agent = make_user(Role.AGENT, username="desk")
    customer = CustomerFactory(name="刘洋", phone="13800005678")
    unit = ProductFactory(
        customer=customer,
        model=ProductModelFactory(code="XQG100", name="Front-loading washer 10 kg"),
        serial_number="SN-JOURNEY-1",
        purchase_date=timezone.localdate() - datetime.timedelta(days=100),
    )
    earlier = make_ticket(actor=agent, customer=customer, product=unit)
    return {"agent": agent, "customer": customer, "unit": unit, "earlier": earlier}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_agent_takes_a_call_from_ring_to_triaged_ticket_by_keyboard(open_page, caller, lang):
    customer, unit, earlier = caller["customer"], caller["unit"], caller["earlier"]
    page = open_page(viewport=DESK, locale=LOCALES[lang])
    _sign_in(page, "desk", "pw-desk")

    # Pinyin initials in the header search find 刘洋; Escape closes the list.
    page.keyboard.press("/")
    page.keyboard.type("ly")
    page.wait_for_selector(f"#gs-customer-{customer.pk}")
    page.keyboard.press("Escape")

    # The last four digits, then the arrow keys and Enter open the customer.
    page.fill("#global-search-input", "")
    page.keyboard.type("5678")
    page.wait_for_selector(f"#gs-customer-{customer.pk}")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{customer.pk}/")

    # The phone rings: the softphone opens the screen pop with the caller id.
    page.goto("/desk/call/?phone=%2B86%20138%200000%205678")
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert unit.serial_number in page.inner_text("main")
    assert_accessible(page)
    _screenshot(page, f"journey-customer-{lang}.png")

    # From the customer to intake, by keyboard.
    _tab_to(page, f"/tickets/new/?customer={customer.pk}", limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/new/?customer={customer.pk}")
    _tab_to(page, f"INPUT|product|{unit.pk}|", limit=60)
    page.wait_for_selector(f".open-warning a[href='/tickets/{earlier.pk}/']")
    assert earlier.number in page.inner_text(".open-warning")
    _screenshot(page, f"journey-intake-warning-{lang}.png")
    _tab_to(page, "INPUT|acknowledged", limit=60)
    page.keyboard.press("Space")
    _tab_to(page, "TEXTAREA|description", limit=60)
    page.keyboard.type("Drum does not turn, error E21")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".messages")
    ticket = Ticket.objects.exclude(pk=earlier.pk).get(product=unit)
    assert (ticket.status, ticket.owner) == (TicketStatus.NEW, caller["agent"])
    assert ticket.description == "Drum does not turn, error E21"
    page.wait_for_url(f"**/tickets/{ticket.pk}/")

    # Triage, the ticket page's next step, by keyboard: priority one step up, then submit.
    _tab_to(page, "SELECT|priority", limit=60)
    before = ticket.priority
    page.keyboard.press("ArrowUp" if before != "p1" else "ArrowDown")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".messages")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRIAGED
    assert ticket.priority != before
    assert_accessible(page)
    _screenshot(page, f"journey-triaged-{lang}.png")
