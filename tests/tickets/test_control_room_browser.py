"""The control room in headless Chromium, one journey per language: a supervisor has it
open; a ticket goes at risk at an SLA sweep and appears in the at-risk list with a ticking
countdown without a reload; the area filter (one area, then all) shows the database's
figures; charts drawn; axe-core clean; desk and phone screenshots."""

import datetime
import re

import pytest
from django.utils import timezone

from aftersales.roles import Role
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import AreaFactory, CustomerFactory, make_ticket
from tickets import services
from tickets.choices import OPEN_STATUSES, SlaState
from tickets.models import SlaEvent, Ticket
from tickets.selectors import sla_state_q

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
MINUTE = datetime.timedelta(minutes=1)


def _tile(page, name):
    return page.inner_text(f"#control-room [data-tile={name}] .stat-value").strip()


def _database(area=None):
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if area is not None:
        tickets = tickets.filter(area=area)
    return {
        "open": str(tickets.count()),
        "at_risk": str(tickets.filter(sla_state_q(SlaState.AT_RISK)).count()),
        "breached": str(tickets.filter(sla_state_q(SlaState.BREACHED)).count()),
    }


def _charts_drawn(page):
    page.wait_for_function(
        "() => [...document.querySelectorAll('#control-room figure[data-chart] canvas')]"
        ".every(c => window.Chart && Chart.getChart(c))"
    )


def _tiles(page):
    return {name: _tile(page, name) for name in ("open", "at_risk", "breached")}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_ticket_goes_at_risk_on_the_open_control_room(open_page, make_user, settings, locale):
    settings.CONTROL_ROOM_POLL_SECONDS = 1
    make_user(Role.SUPERVISOR, username="boss")
    desk = make_user(Role.AGENT, username="desk")
    pudong = AreaFactory(code="pudong", name="浦东新区" if locale == "zh-CN" else "Pudong")
    minhang = AreaFactory(code="minhang", name="闵行区" if locale == "zh-CN" else "Minhang")
    now = timezone.now()
    going = make_ticket(actor=desk, customer=CustomerFactory(area=pudong))
    late = make_ticket(actor=desk, customer=CustomerFactory(area=pudong), category="complaint")
    Ticket.objects.filter(pk=late.pk).update(
        response_warn_at=now - 90 * MINUTE, response_due_at=now - 30 * MINUTE
    )
    near = make_ticket(actor=desk, customer=CustomerFactory(area=minhang), channel="web")
    Ticket.objects.filter(pk=near.pk).update(
        response_warn_at=now - 10 * MINUTE, response_due_at=now + 40 * MINUTE
    )
    services.ticket_daily_stats_refresh()

    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "boss", "pw-boss")
    page.goto("/dashboard/")
    assert _tiles(page) == _database() == {"open": "3", "at_risk": "1", "breached": "1"}
    assert page.locator(f"#at-risk li[data-ticket='{going.number}']").count() == 0
    assert page.locator(f"#breached li[data-ticket='{late.number}']").count() == 1
    _charts_drawn(page)
    tag = locale
    assert_accessible(page)
    screenshot(page, f"aftersales-control-room-{tag}.png")

    # The warning instant of `going` comes (its clock moved on); the sweep marks it.
    page.evaluate("window.__stillTheSamePage = true")
    Ticket.objects.filter(pk=going.pk).update(
        response_warn_at=timezone.now() - MINUTE,
        response_due_at=timezone.now() + 20 * MINUTE,
        next_sla_check_at=timezone.now() - MINUTE,
    )
    services.sla_sweep()
    assert SlaEvent.objects.filter(ticket=going, kind="warning").exists()
    row = page.locator(f"#at-risk li[data-ticket='{going.number}']")
    row.wait_for(timeout=8000)
    countdown = row.locator("time[data-countdown]")
    first = countdown.inner_text()
    assert re.search(r"\d\d:\d\d", first), first
    assert ("剩余" if locale == "zh-CN" else "left") in first
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel).textContent !== before",
        arg=[f"#at-risk li[data-ticket='{going.number}'] time[data-countdown]", first],
    )
    # At risk first by time left: `going` (20 min) before `near` (40 min).
    order = page.locator("#at-risk li[data-ticket]").evaluate_all(
        "items => items.map(i => i.dataset.ticket)"
    )
    assert order == [going.number, near.number]
    _charts_drawn(page)  # drawn again after each poll's swap
    assert page.evaluate("window.__stillTheSamePage === true")  # no reload
    assert _tiles(page) == _database() == {"open": "3", "at_risk": "2", "breached": "1"}

    # The area filter, one area then every area, each against the database.
    page.select_option("#cr-area", "minhang")
    page.click(".cr-filter button[type=submit]")
    page.wait_for_url(re.compile(r"area=minhang"))
    assert _tiles(page) == _database(minhang) == {"open": "1", "at_risk": "1", "breached": "0"}
    assert page.locator(f"#at-risk li[data-ticket='{going.number}']").count() == 0
    assert page.locator(f"#at-risk li[data-ticket='{near.number}']").count() == 1
    _charts_drawn(page)
    screenshot(page, f"aftersales-control-room-minhang-{tag}.png")
    page.select_option("#cr-area", "")
    page.click(".cr-filter button[type=submit]")
    page.wait_for_url(re.compile(r"area=$"))
    assert _tiles(page) == _database()

    page.set_viewport_size(PHONE)
    page.reload()
    assert_fits(page, 360)
    assert_accessible(page)
    _charts_drawn(page)
    screenshot(page, f"aftersales-control-room-phone-{tag}.png")
