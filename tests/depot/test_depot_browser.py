"""A depot repair from receipt to return in Chromium: on the desk at 1280 (the take-in
form by keyboard, the signature by mouse) and on the workshop's phone at 360×740 (the
stage buttons and the return by touch), in English and Chinese; the database checked at
the end (stages, both signatures, the receipt closed, the loan unit back), and the
customer's status page showing the stages. axe-core and no sideways scroll at each step."""

import pytest

from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket
from tickets.choices import EventKind
from tickets.depot import services
from tickets.depot.models import EquipmentReceipt, LoanUnit
from tickets.models import TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAGES = ["diagnosing", "waiting_parts", "repairing", "quality_check", "repairing",
          "quality_check", "ready"]  # fmt: skip


def _draw(page, selector):
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22,
                        box["y"] + box["height"] * (0.7 - 0.35 * (step % 2)), steps=3)  # fmt: skip
    page.mouse.up()


@pytest.fixture
def people(make_user):
    from aftersales.roles import Role

    return {
        "agent": make_user(Role.AGENT, username="desk1"),
        "workshop": make_user(Role.WORKSHOP, username="bench1"),
    }


def _ticket(people, language):
    customer = CustomerFactory(language=language, phone="13912345678")
    product = ProductFactory(customer=customer, serial_number="SN-OLD-PLATE")
    return make_ticket(actor=people["agent"], product=product, description="Washer leaks")


def _loan_unit(ticket, people):
    return services.loan_unit_create(
        actor=people["workshop"], number="LU-7", product_model=ticket.product.model,
        serial_number="LOAN-7",
    )  # fmt: skip


def _move_stages(page, receipt, *, touch, tag):
    for index, stage in enumerate(STAGES):
        button = page.locator(f".depot-stage-form button[value={stage}]")
        if touch:
            button.tap()
        else:
            button.focus()
            page.keyboard.press("Enter")
        page.wait_for_selector(f".depot-repair[data-stage={stage}]")
        if index == 1:
            assert_fits(page, page.viewport_size["width"])
            assert_accessible(page)
            screenshot(page, f"depot-repair-{tag}.png")


def _check_database(ticket, unit):
    receipt = EquipmentReceipt.objects.get(ticket=ticket)
    assert receipt.status == "closed" and receipt.stage == "returned"
    assert receipt.serial_number == "SN-NEW-PLATE"
    assert receipt.accessories == ["remote"] and receipt.condition_checks == ["scratches"]
    assert receipt.intake_signature.startswith("data:image/png;base64,")
    assert receipt.return_signature.startswith("data:image/png;base64,")
    assert receipt.loan_unit == unit and receipt.loan_returned_at is not None
    assert receipt.paused_seconds >= 0 and receipt.ready_at is not None
    assert LoanUnit.objects.get(pk=unit.pk).status == "available"
    stages = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DEPOT_STAGE)
        .exclude(action="depot_loan_lent")
        .order_by("id")
        .values_list("payload__stage", flat=True)
    )
    assert stages == ["received", *STAGES, "returned"]
    return receipt


def _customer_sees_stages(open_page, ticket, *, phone, zh):
    page = open_page(
        viewport=PHONE, locale="zh-CN" if zh else "en-US", has_touch=True, is_mobile=True
    )
    page.goto("/service/")
    page.fill("#id_number", ticket.number)
    page.fill("#id_phone_last4", "5678")
    page.locator("button[type=submit].wide").tap()
    page.wait_for_url(f"**/service/{ticket.number}/")
    text = page.inner_text(".depot-public-stages")
    for word in (
        ("检测中", "待取件", "已归还")
        if zh
        else ("Diagnosing", "Ready for collection", "Returned to the customer")
    ):
        assert word in text
    assert "internal" not in page.inner_text("main")
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"depot-public-status-{'zh' if zh else 'en'}.png")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_depot_repair_on_the_desk(open_page, people, locale):
    zh = locale == "zh-CN"
    ticket = _ticket(people, "zh-hans" if zh else "en")
    unit = _loan_unit(ticket, people)
    page = open_page(locale=locale)
    sign_in(page, "desk1", "pw-desk1")
    page.goto(f"/tickets/{ticket.pk}/#depot")
    # The take-in by keyboard: the serial from the plate, a checklist tick, an accessory.
    page.focus("#id_serial_number")
    page.keyboard.press("Control+A")
    page.keyboard.type("SN-NEW-PLATE")
    page.focus("#id_condition_checks_0")
    page.keyboard.press("Space")
    page.focus("#id_accessories_0")
    page.keyboard.press("Space")
    page.focus("#id_loan_unit")
    page.keyboard.press("ArrowDown")
    assert_accessible(page)
    _draw(page, "#take-in-signature-canvas")
    screenshot(page, f"depot-take-in-desk-{locale}.png")
    page.focus(".depot-take-in button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".depot-repair[data-stage=received]")
    receipt = EquipmentReceipt.objects.get(ticket=ticket)
    assert receipt.loan_unit == unit

    # The workshop on the desk: the stages by keyboard.
    work = open_page(locale=locale)
    sign_in(work, "bench1", "pw-bench1")
    work.goto("/depot/")
    assert receipt.number in work.inner_text(".depot-list")
    assert_accessible(work)
    screenshot(work, f"depot-workshop-desk-{locale}.png")
    work.goto(f"/depot/receipts/{receipt.pk}/")
    _move_stages(work, receipt, touch=False, tag=f"desk-{locale}")

    # The return at the counter: the customer signs, the receipt closes.
    page.goto(f"/depot/receipts/{receipt.pk}/")
    page.fill("#id_notes", "Collected in person")
    _draw(page, "#return-signature-canvas")
    page.focus(".depot-return button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".depot-repair[data-receipt-status=closed]")
    assert_accessible(page)
    screenshot(page, f"depot-returned-desk-{locale}.png")
    _check_database(ticket, unit)

    # The ticket's timeline names the stages.
    page.goto(f"/tickets/{ticket.pk}/")
    timeline = (
        page.inner_text(".timeline")
        if page.locator(".timeline").count()
        else page.inner_text("main")
    )
    assert ("待取件" if zh else "Ready for collection") in timeline
    _customer_sees_stages(open_page, ticket, phone=True, zh=zh)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_depot_repair_on_the_phone(open_page, people, locale):
    zh = locale == "zh-CN"
    ticket = _ticket(people, "zh-hans" if zh else "en")
    unit = _loan_unit(ticket, people)
    page = open_page(viewport=PHONE, locale=locale, has_touch=True, is_mobile=True)
    sign_in(page, "desk1", "pw-desk1")
    page.goto(f"/tickets/{ticket.pk}/#depot")
    page.fill("#id_serial_number", "SN-NEW-PLATE")
    page.locator("label[for=id_condition_checks_0]").tap()
    page.locator("label[for=id_accessories_0]").tap()
    page.select_option("#id_loan_unit", str(unit.pk))
    _draw(page, "#take-in-signature-canvas")
    assert_fits(page, 360)
    screenshot(page, f"depot-take-in-phone-{locale}.png")
    with page.expect_navigation():
        page.locator(".depot-take-in button[type=submit]").tap()
    page.wait_for_selector(".depot-repair[data-stage=received]")
    receipt = EquipmentReceipt.objects.get(ticket=ticket)

    work = open_page(viewport=PHONE, locale=locale, has_touch=True, is_mobile=True)
    sign_in(work, "bench1", "pw-bench1")
    work.goto("/depot/")
    assert_fits(work, 360)
    assert_accessible(work)
    screenshot(work, f"depot-workshop-phone-{locale}.png")
    work.locator(f"[data-receipt='{receipt.number}'] a").first.tap()
    work.wait_for_selector(".depot-repair[data-stage=received]")
    _move_stages(work, receipt, touch=True, tag=f"phone-{locale}")

    work.fill("#id_notes", "Collected")
    _draw(work, "#return-signature-canvas")
    assert_fits(work, 360)
    with work.expect_navigation():
        work.locator(".depot-return button[type=submit]").tap()
    work.wait_for_selector(".depot-repair[data-receipt-status=closed]")
    assert_fits(work, 360)
    assert_accessible(work)
    screenshot(work, f"depot-returned-phone-{locale}.png")
    _check_database(ticket, unit)
