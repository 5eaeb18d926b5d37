"""Outlets in headless Chromium: an outlet dispatcher assigns one of the outlet's
technicians to an outlet ticket with the keyboard (desktop), and the customers' outlet
list on a phone in Chinese. Outcomes read back from the database; axe-core; screenshots."""

import pytest

from tests.browser import PHONE, _assert_fits, _screenshot, _sign_in, assert_accessible
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import AreaFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def test_outlet_dispatcher_assigns_a_technician_with_the_keyboard(
    open_page, outlet_ticket, dispatcher, partner_tech
):
    page = open_page(viewport=DESK)
    _sign_in(page, dispatcher.username, f"pw-{dispatcher.username}")
    page.goto("/tickets/?view=to_dispatch")
    assert outlet_ticket.number in page.content()
    page.goto(f"/tickets/{outlet_ticket.pk}/")
    select = page.locator("#id_dispatch_technician")
    select.focus()
    page.keyboard.press("ArrowDown")  # the first ranked candidate: the outlet's technician
    assert select.input_value() == str(partner_tech.pk)
    assert_accessible(page)
    _screenshot(page, "outlets-dispatcher-ticket.png")
    page.locator("form[action$='/dispatch/'] button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    stored = Ticket.objects.get(pk=outlet_ticket.pk)
    assert (stored.status, stored.technician_id) == ("dispatched", partner_tech.pk)


def test_public_outlet_list_on_a_phone_in_chinese(open_page, partner):
    OutletFactory(
        code="FAR",
        name="嘉定网点",
        address="嘉定区城中路 1 号",
        areas=[AreaFactory(code="jiading", name="嘉定")],
    )
    page = open_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page.goto("/service/outlets/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "您附近的服务网点" in page.content()
    page.select_option("#id_area", label="嘉定")
    with page.expect_navigation():
        page.click("button[type=submit].wide")
    cards = page.locator(".outlet-cards li")
    assert cards.count() == 1 and "嘉定网点" in cards.first.inner_text()
    _assert_fits(page, PHONE["width"])
    assert_accessible(page)
    _screenshot(page, "outlets-public-phone-zh.png")
