"""The ticket queue in headless Chromium: saved-view tabs and their counts, sorting by a
column header (mouse and keyboard), keyset pages, bulk transfer and escalation by a
supervisor read back from the database, and a ticket filed elsewhere appearing after the
poll; English and Chinese, desk and phone screens, axe-core on each."""

import re

import pytest

from aftersales.roles import Role
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Ticket
from tickets.views import queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def _numbers(page):
    return page.locator("#ticket-rows tr.ticket-row th.num").all_inner_texts()


def _tab_counts(page):
    return {
        link.get_attribute("data-view"): (link.locator("[data-count]").all_inner_texts() or [""])[0]
        for link in page.locator("#view-tabs a").all()
    }


def _triaged(desk, **fields):
    ticket = make_ticket(actor=desk, **fields)
    return services.ticket_triage(
        ticket=ticket, actor=desk, priority=ticket.priority, warranty_decision="in_warranty"
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("screen", ["desk", "phone"])
def test_tabs_show_their_counts_and_open_their_view(open_page, make_user, locale, screen):
    desk = make_user(Role.AGENT, username="desk")
    other = make_user(Role.AGENT, username="other")
    fresh = [make_ticket(actor=desk, priority="p1"), make_ticket(actor=other)]
    _triaged(desk)
    late = make_ticket(actor=other, priority="p2")
    Ticket.objects.filter(pk=late.pk).update(
        response_warn_at=late.created_at, response_due_at=late.created_at
    )
    phone = screen == "phone"
    page = open_page(
        viewport=PHONE if phone else DESK, locale=locale, is_mobile=phone, has_touch=phone
    )
    sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/")
    counts = _tab_counts(page)
    assert counts["to_triage"] == "3" and counts["to_dispatch"] == "1"
    assert counts["mine"] == "2" and counts["breached"] == "1" and counts["all"] == ""
    assert len(_numbers(page)) == 4
    tag = f"{screen}-{locale}"
    if phone:
        assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-queue-all-{tag}.png")
    page.click("#view-tabs a[data-view=to_triage]")
    page.wait_for_url(re.compile(r"view=to_triage"))
    assert set(_numbers(page)) == {fresh[0].number, fresh[1].number, late.number}
    assert page.get_attribute("#view-tabs a[data-view=to_triage]", "aria-current") == "page"
    # The view's own order: SLA due soonest first, so the breached ticket leads.
    assert _numbers(page)[0] == late.number
    text = page.inner_text("#ticket-rows")
    if locale == "zh-CN":
        assert "已超时" in text and "剩余" in text
    else:
        assert "Breached" in text and "left" in text
    if phone:
        assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-queue-to-triage-{tag}.png")


def test_a_column_header_sorts_by_click_and_by_keyboard(open_page, make_user):
    desk = make_user(Role.AGENT, username="desk")
    low = make_ticket(actor=desk, priority="p4")
    high = make_ticket(actor=desk, priority="p1")
    normal = make_ticket(actor=desk, priority="p3")
    page = open_page(viewport=DESK)
    sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/?priority=p1&priority=p3&priority=p4")
    assert _numbers(page) == [normal.number, high.number, low.number]  # newest first
    page.click("thead a.sort[href*='sort=priority']")
    page.wait_for_url(re.compile(r"sort=priority"))
    assert _numbers(page) == [high.number, normal.number, low.number]
    header = page.locator("thead th[aria-sort]")
    assert header.count() == 1 and header.get_attribute("aria-sort") == "ascending"
    assert "priority=p4" in page.url  # the filters stay
    page.click("thead a.sort[href*='sort=-priority']")
    page.wait_for_url(re.compile(r"sort=-priority"))
    assert _numbers(page) == [low.number, normal.number, high.number]
    assert page.get_attribute("thead th[aria-sort]", "aria-sort") == "descending"
    # Keyboard: tab to the Owner header and press Enter.
    page.focus("thead a.sort[href*='sort=owner']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=owner"))
    assert "Owner" in page.text_content("thead th[aria-sort]")
    assert_accessible(page)


def test_next_page_follows_the_keyset(open_page, make_user, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    desk = make_user(Role.AGENT, username="desk")
    tickets = [make_ticket(actor=desk, priority="p3") for _ in range(5)]
    page = open_page(viewport=DESK)
    sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/?sort=-created&priority=p3")
    seen = _numbers(page)
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        page.wait_for_load_state()
        assert "after=" in page.url and "priority=p3" in page.url
        seen += _numbers(page)
    assert seen == [t.number for t in reversed(tickets)]
    page.click("a[rel=prev]")
    page.wait_for_load_state()
    assert _numbers(page) == [tickets[2].number, tickets[1].number]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_supervisor_transfers_and_escalates_in_bulk(open_page, make_user, locale):
    desk = make_user(Role.AGENT, username="desk")
    make_user(Role.AGENT, username="other", first_name="Li", last_name="Na")
    make_user(Role.SUPERVISOR, username="boss")
    tickets = [make_ticket(actor=desk) for _ in range(3)]
    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "boss", "pw-boss")
    page.goto("/tickets/")
    page.check("[data-select-all]")
    assert all(box.is_checked() for box in page.locator("[data-bulk-row]").all())
    assert "3" in page.inner_text("[data-selected-count]")
    # Meanwhile someone escalates the oldest: the version the list showed is stale.
    stale = services.ticket_escalate(ticket=tickets[0], actor=desk, reason="Called again")
    page.fill("#bulk_reason", "Desk reorganised")
    page.select_option("#bulk_owner", label="Li Na (other)")
    page.click("button[value=transfer_owner]")
    page.wait_for_selector(".messages")
    owners = dict(Ticket.objects.values_list("pk", "owner__username"))
    assert owners == {tickets[0].pk: "desk", tickets[1].pk: "other", tickets[2].pk: "other"}
    said = page.inner_text(".messages")
    assert tickets[1].number in said and stale.number in said
    expected = {"en-US": "not transferred", "zh-CN": "未转交"}[locale]
    assert expected in said and "stale" not in said
    assert_accessible(page)
    screenshot(page, f"aftersales-queue-bulk-transfer-{locale}.png")

    page.check(f"[data-bulk-row][value^='{tickets[2].pk}:']")
    page.fill("#bulk_reason", "Customer complained twice")
    page.click("button[value=escalate]")
    page.wait_for_selector(".messages")
    assert Ticket.objects.get(pk=tickets[2].pk).escalation_level == 1
    assert Ticket.objects.get(pk=tickets[1].pk).escalation_level == 0
    assert {"en-US": "escalated to level 1", "zh-CN": "已升级到第 1 级"}[locale] in page.inner_text(
        ".messages"
    )


def test_a_ticket_filed_elsewhere_appears_after_the_poll(open_page, make_user, settings):
    settings.TICKET_LIST_POLL_SECONDS = 1
    desk = make_user(Role.AGENT, username="desk")
    other = make_user(Role.AGENT, username="other")
    first = make_ticket(actor=desk)
    page = open_page(viewport=DESK)
    sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/")
    assert _tab_counts(page)["to_triage"] == "1"
    filed = make_ticket(actor=other)  # another agent's intake, in their own session
    page.wait_for_selector(f"#ticket-rows th.num:has-text('{filed.number}')", timeout=8000)
    page.wait_for_function(
        "document.querySelector('#view-tabs a[data-view=to_triage] [data-count]').textContent"
        " === '2'"
    )
    # While a row is ticked the list holds still, so the tick is never lost.
    page.check(f"[data-bulk-row][value^='{first.pk}:']")
    held = make_ticket(actor=other)
    page.wait_for_timeout(2500)
    assert held.number not in _numbers(page)
    assert page.is_checked(f"[data-bulk-row][value^='{first.pk}:']")
    page.uncheck(f"[data-bulk-row][value^='{first.pk}:']")
    page.wait_for_selector(f"#ticket-rows th.num:has-text('{held.number}')", timeout=8000)
