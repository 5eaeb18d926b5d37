"""Keyboard shortcuts on the desk (issue 13 §6–7: the console is used all day by keyboard)."""

import pytest

from aftersales.roles import Role
from tests.browser import _screenshot, _sign_in, assert_accessible
from tests.tickets.factories import make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_agent_moves_around_the_desk_by_keyboard(open_page, make_user, locale):
    agent = make_user(Role.AGENT, username="desk")
    make_ticket(actor=agent)
    page = open_page(viewport={"width": 1280, "height": 800}, locale=locale)
    _sign_in(page, "desk", "pw-desk")

    page.keyboard.press("?")
    help_dialog = page.locator("#shortcuts-help")
    help_dialog.wait_for(state="visible")
    assert_accessible(page)
    _screenshot(page, f"desk-shortcuts-{locale}.png")
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")

    page.keyboard.press("g")
    page.keyboard.press("m")
    page.wait_for_url("**/tickets/?view=mine")
    page.keyboard.press("g")
    page.keyboard.press("d")
    page.wait_for_url("**/dashboard/")
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.wait_for_url("**/tickets/")
    page.keyboard.press("n")
    page.wait_for_url("**/tickets/new/")


def test_typed_keys_stay_in_the_field_and_ctrl_enter_submits(open_page, make_user):
    make_user(Role.AGENT, username="desk")
    page = open_page(viewport={"width": 1280, "height": 800})
    _sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/")
    field = page.locator("main input[name=search]")
    field.focus()
    page.keyboard.type("ng")  # "n" and "g" are shortcuts, but not while typing
    assert page.url.endswith("/tickets/")
    assert field.input_value() == "ng"
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**search=ng**")


def test_a_technician_has_no_desk_shortcuts(open_page, make_user):
    make_user(Role.TECHNICIAN, username="field")
    page = open_page(viewport={"width": 1280, "height": 800})
    _sign_in(page, "field", "pw-field")
    page.keyboard.press("n")  # no intake for technicians: nothing happens
    page.wait_for_timeout(300)
    assert page.url.endswith("/jobs/")
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.wait_for_url("**/tickets/")
