"""The warranty in Chromium: a supervisor triages one ticket with the derived decision and
overrides another as goodwill, by keyboard alone on a desktop; the contract forms
(create valid and refused, renew, cancel) submitted, the outcome read from the database;
the contract page at 360×740; axe-core; screenshots (var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from tests.browser import (
    PHONE,
    _focused,
    _tab_to,
    assert_accessible,
    assert_fits,
    screenshot,
    sign_in,
)
from tests.tickets.factories import make_ticket
from tickets.models import Ticket
from tickets.warranty.models import ServiceContract, TicketWarranty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}


@pytest.fixture
def boss(make_user):
    return make_user(Role.SUPERVISOR, username="boss")


def _submit_by_keyboard(page, label):
    _tab_to(page, "BUTTON|")
    for _ in range(10):
        if page.evaluate("() => document.activeElement.textContent.trim()") == label:
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_supervisor_triages_derived_and_goodwill_by_keyboard(open_page, boss, agent, old_unit):
    derived = make_ticket(actor=agent, product=old_unit, description="Not cooling")
    goodwill = make_ticket(actor=agent, product=old_unit, description="Noisy again")
    page = open_page(viewport=DESK)
    sign_in(page, "boss", "pw-boss")

    # 1. The derived decision as it stands, the part concerned named.
    page.goto(f"/tickets/{derived.pk}/")
    panel = page.locator("#action-triage")
    assert panel.get_attribute("open") is not None
    assert "Out of warranty" in panel.locator(".warranty-derived").inner_text()
    assert "The labour warranty ended on" in panel.inner_text()
    page.focus("#id_triage_priority")
    _tab_to(page, "SELECT|part_group")
    page.keyboard.press("ArrowDown")  # Compressor
    assert "compressor" in _focused(page)
    _submit_by_keyboard(page, "Triage")
    derived.refresh_from_db()
    assert derived.status == "triaged" and derived.warranty_decision == "out_of_warranty"
    assert TicketWarranty.objects.get(ticket=derived).part_group == "compressor"
    assert "Compressor covered until" in page.inner_text("#h-record ~ dl")

    # 2. Goodwill: without a reason refused, then with one.
    page.goto(f"/tickets/{goodwill.pk}/")
    page.focus("#id_triage_priority")
    _tab_to(page, "SELECT|warranty_decision")
    page.select_option("#id_triage_warranty_decision", "goodwill")  # the focused select
    assert "goodwill" in _focused(page)
    _submit_by_keyboard(page, "Triage")
    assert "Say why goodwill is granted" in page.inner_text("#action-triage")
    goodwill.refresh_from_db()
    assert goodwill.status == "new"
    page.focus("#id_triage_priority")
    _tab_to(page, "TEXTAREA|goodwill_reason")
    page.keyboard.type("Second compressor fault in a month")
    screenshot(page, "warranty-triage-goodwill.png")
    _submit_by_keyboard(page, "Triage")
    goodwill.refresh_from_db()
    assert goodwill.warranty_decision == "goodwill"
    record = TicketWarranty.objects.get(ticket=goodwill)
    assert record.goodwill_by == boss
    assert "Second compressor fault in a month" in page.inner_text("#h-record ~ dl")
    assert_accessible(page)
    screenshot(page, "warranty-ticket-goodwill-record.png")


def test_contract_forms_in_each_mode(open_page, boss, old_unit):
    page = open_page(viewport=DESK)
    sign_in(page, "boss", "pw-boss")
    page.goto(f"/customers/{old_unit.customer_id}/")
    assert "Warranty by scope" in page.inner_text("#h-products ~ article")
    with page.expect_navigation():
        page.click("text=New service contract")
    today = timezone.localdate()
    # refused: ends before it starts; the input is kept
    page.check(f"input[name=products][value='{old_unit.pk}']")
    page.select_option("#id_kind", "extended_warranty")
    page.fill("#id_ends_on", (today - datetime.timedelta(days=3)).isoformat())
    page.fill("#id_fee", "380.00")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "cannot end before it starts" in page.inner_text("main")
    assert page.input_value("#id_fee") == "380.00"
    assert not ServiceContract.objects.exists()
    # valid: a year, two visits, parts not covered
    page.fill("#id_ends_on", (today + datetime.timedelta(days=364)).isoformat())
    page.fill("#id_visits_included", "2")
    page.uncheck("#id_covers_parts")
    assert_accessible(page)
    screenshot(page, "warranty-contract-form.png")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    contract = ServiceContract.objects.get()
    assert (contract.visits_included, contract.covers_parts, str(contract.fee)) == (
        2,
        False,
        "380.00",
    )
    assert page.url.endswith(f"/contracts/{contract.pk}/")
    # renew with the defaults
    with page.expect_navigation():
        page.click("#h-renew ~ form button[type=submit]")
    renewal = ServiceContract.objects.get(renewed_from=contract)
    assert page.url.endswith(f"/contracts/{renewal.pk}/")
    # cancel the renewal: refused without a reason (the browser's own check), then done
    page.fill("#h-cancel ~ form textarea", "Customer moved away")
    with page.expect_navigation():
        page.click("#h-cancel ~ form button[type=submit]")
    renewal.refresh_from_db()
    assert renewal.status == "cancelled" and renewal.cancel_reason == "Customer moved away"
    assert_accessible(page)
    screenshot(page, "warranty-contract-detail.png")


def test_contract_page_and_list_fit_a_phone(open_page, boss, supervisor, old_unit):
    from decimal import Decimal

    from tickets.warranty import services

    contract = services.contract_create(
        actor=supervisor,
        customer=old_unit.customer,
        products=[old_unit],
        kind="maintenance",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=364),
        fee=Decimal("199.00"),
    )
    page = open_page(viewport=PHONE)
    sign_in(page, "boss", "pw-boss")
    for url in (f"/contracts/{contract.pk}/", "/contracts/", f"/customers/{old_unit.customer_id}/"):
        page.goto(url)
        assert_fits(page, PHONE["width"])
    screenshot(page, "warranty-customer-phone.png")
    assert Ticket.objects.count() == 0
