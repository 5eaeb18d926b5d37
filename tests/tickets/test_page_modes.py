"""Every form of the desk's pages submitted in the browser in each of its modes, the outcome
read from the database (issue 13 §1: intake could not be submitted for an existing customer,
the list's filter form failed whenever a filter was left at its default)."""

import pytest

from aftersales.roles import Role
from tests.browser import PHONE, _screenshot, _sign_in
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    make_ticket,
)
from tickets.models import Customer, Product, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _intake_for_known_customer(page, customer):
    page.goto("/tickets/new/")
    page.fill("#id_phone", customer.phone)
    page.click("text=Find customer")
    page.wait_for_selector("#h-found")


def _request(page, description):
    page.select_option("#id_category", "repair")
    page.fill("#id_description", description)
    page.click("text=Record ticket")
    page.wait_for_selector(".messages")


@pytest.mark.parametrize("mode", ["existing product", "no product", "new product"])
def test_intake_for_an_existing_customer_in_each_product_mode(open_page, make_user, mode):
    make_user(Role.AGENT, username="desk")
    unit = ProductFactory(customer=CustomerFactory(phone="13911112222"))
    customer = unit.customer
    model = ProductModelFactory(name="Front-loading washer")
    page = open_page()
    _sign_in(page, "desk", "pw-desk")
    _intake_for_known_customer(page, customer)
    if mode == "existing product":
        page.check(f"input[name=product][value='{unit.pk}']")
    elif mode == "no product":
        page.check("input[name=product][value='']")
    else:
        page.check("input[name=product][value=new]")
        page.select_option("#id_product-model", str(model.pk))
        page.fill("#id_product-serial_number", "FL-NEW-1")
        page.fill("#id_product-purchase_date", "2025-03-01")
    _request(page, f"Intake with {mode}")
    _screenshot(page, f"aftersales-intake-{mode.replace(' ', '-')}.png")
    ticket = Ticket.objects.get()
    assert ticket.customer == customer
    assert ticket.description == f"Intake with {mode}"
    expected = {
        "existing product": unit,
        "no product": None,
        "new product": Product.objects.filter(serial_number="FL-NEW-1").first(),
    }[mode]
    assert ticket.product == expected
    if mode == "new product":
        assert expected is not None and expected.customer == customer
    assert Customer.objects.count() == 1  # nobody registered twice


def test_intake_for_a_new_customer_without_a_product(open_page, make_user):
    make_user(Role.AGENT, username="desk")
    AreaFactory()
    page = open_page()
    _sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/new/")
    page.fill("#id_phone", "139 7777 6666")
    page.click("text=Find customer")
    page.fill("#id_customer-name", "Zhao Min")
    page.check("input[name=product][value='']")
    _request(page, "New customer, no unit yet")
    ticket = Ticket.objects.get()
    assert (ticket.customer.name, ticket.customer.phone) == ("Zhao Min", "13977776666")
    assert ticket.product is None


def _shown_numbers(page):
    return set(page.locator("table.tickets tbody tr.ticket-row th.num").all_inner_texts())


@pytest.fixture
def ticket_mix(make_user):
    desk = make_user(Role.AGENT, username="desk")
    other = make_user(Role.AGENT, username="other")
    washer = ProductFactory(serial_number="WASH-77")
    tickets = [
        make_ticket(actor=desk, priority="p1", category="repair", product=washer),
        make_ticket(actor=desk, priority="p3", category="installation"),
        make_ticket(actor=other, priority="p2", category="complaint"),
    ]
    return desk, tickets


def _numbers(tickets):
    return {t.number for t in tickets}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (None, None, lambda t: t),  # every filter at its default
        ("#f-search", "WASH-77", lambda t: [t[0]]),  # search alone
        ("select[name=priority]", "p2", lambda t: [t[2]]),
        ("select[name=category]", "installation", lambda t: [t[1]]),
        ("select[name=status]", "new", lambda t: t),
        ("select[name=sla_state]", "on_track", lambda t: t),
        ("input[name=mine]", True, lambda t: t[:2]),
        # The sort menu (phones: the table has no header row there), alone.
        ("select[name=sort]", "priority", lambda t: t),
    ],
)
def test_the_list_filter_form_in_each_mode(open_page, ticket_mix, field, value, expected):
    _desk, tickets = ticket_mix
    page = open_page(viewport=PHONE if field == "select[name=sort]" else None)
    _sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/")
    if field and value is True:
        page.check(field)
    elif field and field.startswith("select"):
        page.select_option(field, value)
    elif field:
        page.fill(field, value)
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    assert page.locator(".error.banner").count() == 0
    assert _shown_numbers(page) == _numbers(expected(tickets))
    assert Ticket.objects.count() == 3
    if field == "select[name=sort]":
        shown = page.locator("table.tickets tbody tr.ticket-row th.num").all_inner_texts()
        assert shown == [t.number for t in sorted(tickets, key=lambda t: (t.priority, t.pk))]


@pytest.mark.parametrize(
    ("view", "field", "value", "expected"),
    [
        ("mine", None, None, lambda t: t[:2]),  # the view, every filter at its default
        ("mine", "select[name=priority]", "p3", lambda t: [t[1]]),
        ("to_triage", "select[name=category]", "complaint", lambda t: [t[2]]),
        ("to_triage", "#f-search", "WASH-77", lambda t: [t[0]]),
        ("to_dispatch", None, None, lambda t: []),
    ],
)
def test_the_filter_form_within_a_saved_view(open_page, ticket_mix, view, field, value, expected):
    _desk, tickets = ticket_mix
    page = open_page()
    _sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/")
    page.click(f"#view-tabs a[data-view={view}]")
    page.wait_for_url(f"**view={view}*")
    if field and field.startswith("select"):
        page.select_option(field, value)
    elif field:
        page.fill(field, value)
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    assert f"view={view}" in page.url  # the filters stay inside the view
    assert page.locator(".error.banner").count() == 0
    assert _shown_numbers(page) == _numbers(expected(tickets))
