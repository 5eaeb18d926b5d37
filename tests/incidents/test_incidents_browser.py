"""Service incidents in Chromium: a supervisor declares an incident by keyboard at 1280,
links tickets by a rule (preview, then confirm) and one by hand, previews and sends the
notice; the outcome read from the database; English and Chinese; the incident page at
360×740; axe-core; screenshots (var/screenshots/)."""

import re

import pytest

from aftersales.platform.models import Notification
from tests.browser import PHONE, _focused, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import CustomerFactory
from tickets.incidents.models import Incident, IncidentNotice, IncidentTicket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def _type_into(page, selector, text):
    page.focus(selector)
    page.keyboard.type(text)


def _press_button(page, selector):
    """Tab from the field before the button onto it, and press Enter."""
    page.focus(selector)
    assert "BUTTON" in _focused(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_supervisor_declares_links_and_notifies_by_keyboard(open_page, supervisor, world, locale):
    zh = locale == "zh-CN"
    customer = CustomerFactory(area=world["a1"], email="wu@example.com")
    hits = [world["ticket"](world["m1"], world["a1"], customer=customer) for _ in range(2)]
    world["ticket"](world["m2"], world["a1"])  # another model: not by the rule
    by_hand = world["ticket"](world["m2"], world["a2"])

    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "supervisor", "pw-supervisor")
    page.goto("/incidents/")
    assert_accessible(page)
    page.focus("#incident-declare")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _type_into(page, "#id_title", "Capacitor batch failure")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the grade select: critical → major
    page.keyboard.press("Tab")
    page.keyboard.type("Units of one batch stop cooling")
    assert_accessible(page)
    screenshot(page, f"incidents-declare-{locale}.png")
    _press_button(page, "#declare-submit")
    incident = Incident.objects.get()
    assert (incident.title, incident.grade) == ("Capacitor batch failure", "major")
    assert page.url.endswith(f"/incidents/{incident.pk}/")
    assert ("严重" if zh else "Major") in page.inner_text("#incident-grade")

    # The rule: preview first (nothing linked), then confirm.
    _type_into(page, "#id_rule-product_models", "KFR-35")
    page.keyboard.press("Tab")
    page.keyboard.type("pudong")
    _press_button(page, "#rule-preview-submit")
    assert "2" in page.inner_text("#rule-preview")
    assert not IncidentTicket.objects.exists()
    screenshot(page, f"incidents-rule-preview-{locale}.png")
    _press_button(page, "#rule-confirm")
    assert set(IncidentTicket.objects.values_list("ticket", flat=True)) == {t.pk for t in hits}

    # One by hand.
    _type_into(page, "#id_link-ticket", by_hand.number)
    _press_button(page, "#link-submit")
    assert IncidentTicket.objects.filter(ticket=by_hand, method="manual").exists()
    assert by_hand.number in page.inner_text("#incident-links")

    # The notice: preview (a draft), then send; the customer with two tickets told once.
    _type_into(page, "#id_notice-subject", "Free replacement")
    page.keyboard.press("Tab")
    page.keyboard.type("We will replace the capacitor at no charge.")
    _press_button(page, "#notice-preview-submit")
    notice = IncidentNotice.objects.get()
    assert "We will replace the capacitor" in page.inner_text("#notice-preview")
    assert "2" in page.inner_text("#notice-audience")
    assert_accessible(page)
    screenshot(page, f"incidents-notice-preview-{locale}.png")
    _press_button(page, f"#notice-send-{notice.pk}")
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.recipients == 2
    emails = Notification.objects.filter(kind="incident_notice", channel="email").exclude(
        address=""
    )
    assert list(emails.values_list("customer_id", flat=True)) == [customer.pk]
    timeline = page.inner_text("#incident-timeline")
    assert ("已发送通知" if zh else "Notice sent") in timeline
    assert_accessible(page)
    screenshot(page, f"incidents-page-{locale}.png")

    # The ticket page names its incident.
    page.goto(f"/tickets/{hits[0].pk}/")
    assert incident.number in page.inner_text(f"#ticket-incident-{incident.pk}")

    # The incident page on a phone (an agent reads it): no sideways scroll.
    phone = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(phone, "agent", "pw-agent")
    phone.goto(f"/incidents/{incident.pk}/")
    assert_fits(phone, PHONE["width"])
    screenshot(phone, f"incidents-page-phone-{locale}.png")
    phone.goto("/incidents/")
    assert_fits(phone, PHONE["width"])
    assert re.search(incident.number, phone.inner_text("#incident-list"))
