"""The customer page and intake in Chromium (issue 13 §5–6): every form submitted in each
of its modes (with htmx and without JavaScript, valid and refused), the outcome read from
the database; intake by keyboard alone; English and Chinese; screenshots at 1280×800 and
360×740 (var/screenshots/); axe-core on each page."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from audits.models import AuditEvent
from tests.browser import (
    PHONE,
    _focused,
    _tab_to,
    assert_accessible,
    assert_fits,
    focus_lands_on,
    screenshot,
    sign_in,
)
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    make_ticket,
)
from tickets.models import Customer, Product, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "zh": "zh-CN"}


@pytest.fixture
def household(make_user):
    """An agent, and a customer with an old unit (out of warranty, a closed-off history)
    and a new one with an open ticket."""
    desk = make_user(Role.AGENT, username="desk")
    AreaFactory(code="xuhui", name="Xuhui 徐汇")
    customer = CustomerFactory(
        name="Liu Yang 刘洋", phone="13800000002", email="liu@example.com", address="5 Demo Road"
    )
    washer = ProductModelFactory(code="XQG100", name="Front-loading washer 10 kg")
    old = ProductFactory(
        customer=customer,
        model=ProductModelFactory(code="KFR-35GW", name="Split air conditioner 3.5 kW"),
        serial_number="SN-OLD-1",
        purchase_date=timezone.localdate() - datetime.timedelta(days=1200),
    )
    new = ProductFactory(customer=customer, model=washer, serial_number="SN-000002")
    lost = make_ticket(actor=desk, product=old, description="Remote control lost")
    earlier = make_ticket(actor=desk, product=new, description="Leaks water during spin")
    return {
        "desk": desk,
        "customer": customer,
        "old": old,
        "new": new,
        "earlier": earlier,
        "lost": lost,
    }


def _desk_page(open_page, lang, viewport=DESK, **options):
    page = open_page(viewport=viewport, locale=LOCALES[lang], **options)
    sign_in(page, "desk", "pw-desk")
    return page


# --- Customer page -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_customer_page_forms_with_htmx(open_page, household, lang):
    customer = household["customer"]
    model = ProductModelFactory(code="BCD-520", name="French-door refrigerator 520 L")
    page = _desk_page(open_page, lang)
    page.goto(f"/customers/{customer.pk}/")
    assert_accessible(page)
    screenshot(page, f"customer-page-{lang}-1280.png")

    # Edit contact details, refused: the form swaps its own error in, nothing saved.
    CustomerFactory(phone="13900000099")
    page.click("#form-edit summary")
    page.fill("#id_contact-phone", "139 0000 0099")
    page.click("#form-edit button[type=submit]")
    page.wait_for_selector("#form-edit .has-error")
    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert Customer.objects.get(pk=customer.pk).phone == "13800000002"
    assert_accessible(page)
    # …then valid: saved, the page reloads with the new values.
    page.fill("#id_contact-phone", "138-0000-0012")
    page.fill("#id_contact-address", "12 New Road")
    page.uncheck("#id_contact-consent_marketing")
    with page.expect_navigation():  # htmx's HX-Redirect: the page reloads
        page.click("#form-edit button[type=submit]")
    customer.refresh_from_db()
    assert (customer.phone, customer.address) == ("13800000012", "12 New Road")
    assert "12 New Road" in page.inner_text(".contact-card")

    # Register a product.
    page.click("#form-product summary")
    page.select_option("#id_product-model", str(model.pk))
    page.fill("#id_product-serial_number", "FR-77")
    page.fill("#id_product-purchase_date", "2025-06-01")
    with page.expect_navigation():
        page.click("#form-product button[type=submit]")
    unit = Product.objects.get(serial_number="FR-77")
    assert unit.customer == customer
    assert page.locator(f"#product-{unit.pk}").is_visible()

    # Correct the customer's data: to the value already stored (refused), then for real.
    page.click("#form-correct summary")
    page.select_option("#id_correct-field", "name")
    page.fill("#id_correct-value", "Liu Yang 刘洋")
    page.fill("#id_correct-reason", "Customer spelled her name; checked on the invoice")
    page.click("#form-correct button[type=submit]")
    page.wait_for_selector("#form-correct .has-error")
    assert not AuditEvent.objects.filter(action="customer.corrected").exists()
    page.fill("#id_correct-value", "Liu Yan 刘燕")
    with page.expect_navigation():
        page.click("#form-correct button[type=submit]")
    assert Customer.objects.get(pk=customer.pk).name == "Liu Yan 刘燕"
    corrected = AuditEvent.objects.get(action="customer.corrected")
    assert corrected.changes["reason"] == "Customer spelled her name; checked on the invoice"
    assert "Liu Yang 刘洋" in page.inner_text(".record-card")  # the value before, shown

    page.goto(f"/customers/{customer.pk}/#product-{household['new'].pk}")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    page.goto(f"/customers/{customer.pk}/")
    assert_fits(page, 360)
    screenshot(page, f"customer-page-{lang}-360.png")


def test_customer_page_forms_without_javascript(open_page, household):
    customer = household["customer"]
    # Signed in with scripts on (the sign-in page's first submit button is the language
    # switch's <noscript> one), then the same session with JavaScript off.
    state = _desk_page(open_page, "en").context.storage_state()
    page = open_page(viewport=DESK, java_script_enabled=False, storage_state=state)
    page.goto(f"/customers/{customer.pk}/")
    page.click("#form-edit summary")
    CustomerFactory(phone="13900000099")
    page.fill("#id_contact-phone", "13900000099")  # taken: refused by the service
    page.fill("#id_contact-email", "liu.yang@example.com")
    page.click("#form-edit button[type=submit]")
    page.wait_for_selector("#form-edit[open] .has-error")
    assert Customer.objects.get(pk=customer.pk).email == "liu@example.com"
    page.fill("#id_contact-phone", "13800000002")
    page.fill("#id_contact-email", "liu.yang@example.com")
    page.click("#form-edit button[type=submit]")
    page.wait_for_selector(".messages")
    assert Customer.objects.get(pk=customer.pk).email == "liu.yang@example.com"

    page.click("#form-product summary")
    page.select_option("#id_product-model", str(household["new"].model_id))
    page.fill("#id_product-serial_number", "SN-000002")  # taken: refused
    page.fill("#id_product-purchase_date", "2025-06-01")
    page.click("#form-product button[type=submit]")
    page.wait_for_selector("#form-product[open] .has-error")
    page.fill("#id_product-serial_number", "SN-000003")
    page.click("#form-product button[type=submit]")
    page.wait_for_selector(".messages")
    assert Product.objects.filter(customer=customer, serial_number="SN-000003").exists()

    page.click("#form-correct summary")
    page.select_option("#id_correct-field", "address")
    page.fill("#id_correct-value", "6 Demo Road")
    page.fill("#id_correct-reason", "Moved last month")
    page.click("#form-correct button[type=submit]")
    page.wait_for_selector(".messages")
    assert Customer.objects.get(pk=customer.pk).address == "6 Demo Road"


def test_an_auditor_sees_the_customer_page_masked(open_page, household, make_user):
    make_user(Role.AUDITOR, username="audit")
    page = open_page(viewport=DESK)
    sign_in(page, "audit", "pw-audit")
    page.goto(f"/customers/{household['customer'].pk}/")
    text = page.inner_text("main")
    assert "138****0002" in text and "13800000002" not in text
    assert page.locator("#form-edit").count() == 0
    assert_accessible(page)


# --- Intake --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_intake_by_keyboard_for_a_unit_with_an_open_ticket(open_page, household, lang):
    from playwright.sync_api import expect

    unit, earlier = household["new"], household["earlier"]
    page = _desk_page(open_page, lang)
    page.goto("/tickets/new/")
    focus_lands_on(page, "INPUT|phone")  # the phone field has the focus on arrival
    page.keyboard.type("138 0000 0002", delay=20)
    page.wait_for_selector("#h-found")  # as you type: no submit, no mouse
    assert "/tickets/new/" in page.url and "phone=" not in page.url
    _tab_to(page, "INPUT|product|")
    assert f"|{unit.pk}|" in _focused(page)  # the newest unit is preselected
    # The cards are one radio group: the arrow keys move the choice, and each choice shows
    # its open tickets at once: "No product" the customer's two, the washer its one.
    page.keyboard.press("ArrowUp")
    expect(page.locator(".open-warning li")).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(page.locator(".open-warning li")).to_have_count(1)
    assert f"|{unit.pk}|" in _focused(page)
    page.wait_for_selector(f".open-warning a[href='/tickets/{earlier.pk}/']")
    warning = page.inner_text(".open-warning")
    assert earlier.number in warning
    card = page.locator(f"label[for='{page.evaluate('document.activeElement.id')}']")
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"  # visible focus
    screenshot(page, f"intake-warning-{lang}-1280.png")
    assert_accessible(page)
    _tab_to(page, "INPUT|acknowledged")
    page.keyboard.press("Space")
    _tab_to(page, "TEXTAREA|description")
    page.keyboard.type("Leaks again after the repair, from the door seal")
    _tab_to(page, "BUTTON")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messages")
    ticket = Ticket.objects.exclude(pk=earlier.pk).get(product=unit)
    assert ticket.owner == household["desk"] and ticket.status == "new"
    assert ticket.description == "Leaks again after the repair, from the door seal"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_intake_resolved_on_the_phone(open_page, household, lang):
    old = household["old"]
    page = _desk_page(open_page, lang)
    page.goto("/tickets/new/")
    page.fill("#id_phone", "13800000002")
    page.click(".lookup button[type=submit]")
    page.wait_for_selector("#h-found")
    page.check(f"input[name=product][value='{old.pk}']")
    # The old unit has an open ticket too: its warning replaces the washer's, then the
    # agent records anyway.
    page.wait_for_selector(f".open-warning a[href='/tickets/{household['lost'].pk}/']")
    page.check("input[name=acknowledged]")
    page.fill("#id_description", "Remote shows an error after a battery change")
    page.check("input[name=outcome][value=resolved]")
    page.fill("#id_resolution", "Guided a re-pairing of the remote (hold MODE 5 s)")
    page.select_option("#id_fault_class", "user_error")
    assert_accessible(page)
    screenshot(page, f"intake-remote-{lang}-1280.png")
    page.set_viewport_size(PHONE)
    assert_fits(page, 360)
    screenshot(page, f"intake-remote-{lang}-360.png")
    page.click("button.primary.wide")
    page.wait_for_selector(".messages")
    ticket = Ticket.objects.filter(product=old).order_by("-id").first()
    assert ticket.status == "awaiting_confirmation"
    assert ticket.resolution == "Guided a re-pairing of the remote (hold MODE 5 s)"
    assert (ticket.fault_class, ticket.warranty_decision) == ("user_error", "out_of_warranty")


def test_the_as_you_type_lookup_and_enter_for_a_new_number(open_page, household):
    page = _desk_page(open_page, "en")
    page.goto("/tickets/new/")
    # Autofocus is asserted by the keyboard intake test; here the keys must not race the
    # page's load under a busy CI machine.
    page.focus("#id_phone")
    page.keyboard.type("13800000002", delay=30)
    page.wait_for_selector("#h-found")
    assert "Liu Yang" in page.inner_text("#h-found + p")
    page.fill("#id_phone", "")
    page.keyboard.type("13955554444", delay=30)
    page.wait_for_selector("#lookup-status:has-text('No customer has this number yet')")
    assert page.locator("#h-found").count() == 0
    page.keyboard.press("Enter")  # Enter submits the lookup: the new-customer form
    page.wait_for_selector("#id_customer-name")
    assert page.input_value("#id_customer-phone") == "13955554444"
    screenshot(page, "intake-new-customer-en-1280.png")
