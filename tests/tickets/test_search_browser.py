"""The header search and the screen pop in headless Chromium, as an agent uses them: by
keyboard, in English and in Chinese, on a desk screen and on a phone."""

import pytest

from aftersales.roles import Role
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    make_ticket,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK_SCREEN = {"width": 1280, "height": 800}
LOCALES = {"en-US": "en", "zh-CN": "zh"}
POPUP = "#global-search-popup:not([hidden])"


@pytest.fixture
def desk(make_user):
    make_user(Role.AGENT, username="desk")
    liu = CustomerFactory(name="刘洋", phone="13812345678")
    model = ProductModelFactory(code="XQG100", name="Front-loading washer")
    unit = ProductFactory(customer=liu, model=model, serial_number="SN-000777")
    CustomerFactory(name="李勇", phone="13900001111")
    wang = CustomerFactory(name="Wang Fang", phone="13700005678")
    return liu, unit, wang


def _options(page):
    return page.eval_on_selector_all(
        f"{POPUP} [role=option]",
        "options => options.map(o => [o.id, o.getAttribute('aria-selected'), o.textContent])",
    )


def _selected(page):
    return [option_id for option_id, selected, _ in _options(page) if selected == "true"]


@pytest.mark.parametrize("locale", list(LOCALES))
def test_agent_finds_a_caller_by_the_last_four_digits_and_opens_them_by_keyboard(
    open_page, desk, make_user, locale
):
    liu, unit, wang = desk
    ticket = make_ticket(actor=make_user(Role.AGENT), product=unit)
    page = open_page(viewport=DESK_SCREEN, locale=locale)
    sign_in(page, "desk", "pw-desk")
    page.keyboard.press("/")  # from anywhere on the page
    assert page.evaluate("document.activeElement.id") == "global-search-input"
    page.keyboard.type("5678")
    page.wait_for_selector(f"{POPUP} [role=option]")
    ids = [option_id for option_id, _, _ in _options(page)]
    # Both phones end in 5678: customers newest first, then 刘洋's ticket.
    assert ids == [f"gs-customer-{wang.pk}", f"gs-customer-{liu.pk}", f"gs-ticket-{ticket.pk}"]
    combobox = page.locator("#global-search-input")
    assert combobox.get_attribute("aria-expanded") == "true"

    page.keyboard.press("ArrowDown")
    assert _selected(page) == [ids[0]]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _selected(page) == [ids[2]]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert _selected(page) == [ids[0]]
    assert combobox.get_attribute("aria-activedescendant") == ids[0]
    page.keyboard.press("ArrowDown")
    assert _selected(page) == [f"gs-customer-{liu.pk}"]
    assert_accessible(page)
    screenshot(page, f"search-desk-{LOCALES[locale]}.png")

    page.keyboard.press("Escape")
    assert page.locator("#global-search-popup").is_hidden()
    assert combobox.get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")  # opens the list again on the first result
    assert _selected(page) == [ids[0]]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{liu.pk}/")
    assert "刘洋" in page.inner_text("h1")


@pytest.mark.parametrize("locale", list(LOCALES))
def test_agent_types_pinyin_initials_on_a_phone_and_finds_liu_yang(open_page, desk, locale):
    liu, _unit, _wang = desk
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True, locale=locale)
    sign_in(page, "desk", "pw-desk")
    assert page.locator("#global-search-input").is_hidden()  # folded behind the magnifier
    assert_fits(page, 360)
    page.click("[data-search-toggle]")
    assert page.evaluate("document.activeElement.id") == "global-search-input"
    page.keyboard.type("ly")
    page.wait_for_selector(f"{POPUP} [role=option]")
    texts = [text for _, _, text in _options(page)]
    assert any("刘洋" in text for text in texts) and any("李勇" in text for text in texts)
    assert not any("Wang Fang" in text for text in texts)
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"search-phone-{LOCALES[locale]}.png")
    ids = [option_id for option_id, _, _ in _options(page)]
    for _ in range(ids.index(f"gs-customer-{liu.pk}") + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{liu.pk}/")


def test_full_pinyin_and_characters_find_the_customer_too(open_page, desk):
    liu, _unit, _wang = desk
    page = open_page(viewport=DESK_SCREEN)
    sign_in(page, "desk", "pw-desk")
    for text in ("liuyang", "刘洋"):
        page.fill("#global-search-input", "")
        page.locator("#global-search-input").press_sequentially(text)
        page.wait_for_selector(f"{POPUP} #gs-customer-{liu.pk}")


@pytest.mark.parametrize("locale", list(LOCALES))
def test_the_screen_pop_opens_the_caller_or_intake(open_page, desk, locale):
    liu, _unit, _wang = desk
    page = open_page(viewport=DESK_SCREEN, locale=locale)
    sign_in(page, "desk", "pw-desk")
    page.goto("/desk/call/?phone=%2B86%20138%201234%205678")  # as the softphone sends it
    page.wait_for_url(f"**/customers/{liu.pk}/")
    page.goto("/desk/call/?phone=0086-139-0000-2222")
    page.wait_for_url("**/tickets/new/?phone=13900002222")
    assert page.input_value("#id_phone") == "13900002222"
    assert page.locator(".messages").count() == 1
    assert_accessible(page)
    screenshot(page, f"screen-pop-new-caller-{LOCALES[locale]}.png")
    page.goto("/desk/call/?phone=unknown")
    assert "/tickets/new/" in page.url and page.locator(".messages").count() == 1
    page.set_viewport_size(PHONE)
    assert_fits(page, 360)
    screenshot(page, f"screen-pop-phone-{LOCALES[locale]}.png")
