"""The dispatch board in headless Chromium (issue 14, "Done means"), one journey per
language: a supervisor picks a ticket and sees its candidates ranked for the day, drags it
onto the top-ranked technician's slot (dispatched: technician, window and status read
from the database), drags another onto an unqualified technician (the reasons shown,
nothing changed), drags a booked job to another time (rescheduled), and dispatches a third
ticket with the keyboard alone. No CSP violation in the console; axe-core; screenshots."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from technicians.models import Absence
from technicians.selectors import dispatch_candidates
from tests.browser import (
    PHONE,
    _focused,
    _tab_to,
    assert_accessible,
    assert_fits,
    screenshot,
    sign_in,
)
from tests.tickets.factories import CustomerFactory, TechnicianFactory, advance, make_ticket
from tickets.choices import TicketStatus
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "zh": "zh-CN"}


def _local(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def floor(make_user):
    supervisor = make_user(Role.SUPERVISOR, username="boss")
    agent = make_user(Role.AGENT, username="desk")
    best = TechnicianFactory(full_name="Wang Fang")
    area = best.areas.first()
    busy = TechnicianFactory(full_name="Li Qiang", areas=[area])
    uncertified = TechnicianFactory(full_name="Zhao Lei", areas=[area], certified_for=[])
    day = timezone.localdate() + datetime.timedelta(days=1)
    away = TechnicianFactory(full_name="Chen Jing", areas=[area])
    Absence.objects.create(technician=away, kind="leave", starts_on=day, ends_on=day)

    def triaged():
        ticket = make_ticket(actor=agent, customer=CustomerFactory(area=area))
        return advance(ticket, TicketStatus.TRIAGED, desk=agent, supervisor=None, technician=None)

    job = triaged()
    from tickets import services

    services.ticket_dispatch(
        ticket=job,
        actor=supervisor,
        technician=busy,
        appointment_start=_local(day, 10),
        appointment_end=_local(day, 12),
    )
    return {
        "day": day,
        "best": best,
        "busy": busy,
        "uncertified": uncertified,
        "job": job,
        "tickets": [triaged(), triaged(), triaged()],
    }


def _row_y(page, name):
    box = page.locator(".ec-body .ec-row-head", has_text=name).bounding_box()
    return box["y"] + box["height"] / 2


def _slot_x(page, day, hour):
    time = page.locator(f'.ec-header .ec-slot time[datetime="{day.isoformat()}T{hour:02d}:00:00"]')
    box = time.locator("xpath=..").bounding_box()
    return box["x"] + 6


def _drag_ticket(page, ticket, name, day, hour):
    card = page.locator(f'.board-ticket[data-ticket="{ticket.pk}"]')
    target = page.locator("#board-calendar .ec-body")
    box = target.bounding_box()
    card.drag_to(
        target,
        target_position={
            "x": _slot_x(page, day, hour) - box["x"],
            "y": _row_y(page, name) - box["y"],
        },
    )


def _wait_message(page):
    page.wait_for_selector("#board-message:not([hidden])")
    return page.inner_text("#board-message")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_supervisor_dispatches_from_the_board(open_page, floor, lang):
    day, best = floor["day"], floor["best"]
    first, second, third = floor["tickets"]
    ranked = [c for c in dispatch_candidates(ticket=first, day=day) if c["eligible"]]
    assert ranked[0]["technician"].pk == best.pk  # the fixture's premise: nothing booked that day
    page = open_page(viewport=DESK, locale=LOCALES[lang])
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: violations.append(str(e)))
    sign_in(page, "boss", "pw-boss")
    if lang == "zh":
        page.select_option("select[name=language]", "zh-hans")
        # The switch submits and reloads: wait for the page it lands on, or the next
        # goto races the language POST (net::ERR_ABORTED on a loaded machine).
        page.wait_for_selector("html[lang=zh-hans]")
    page.goto(f"/dispatch/?date={day.isoformat()}")
    page.wait_for_selector(".ec-body .ec-row-head")

    # Pick the first ticket: its candidates, ranked for the day, number the rows too.
    page.click(f'.board-ticket[data-ticket="{first.pk}"] a.pick')
    page.wait_for_selector(f'#board-panel [data-technician="{best.pk}"][data-rank="1"]')
    page.wait_for_selector(".ec-row-head:has-text('1. Wang Fang')")
    panel = page.inner_text("#board-panel")
    assert ("0/6 jobs booked that day" if lang == "en" else "当天已派 0/6 单") in panel
    assert_accessible(page)
    screenshot(page, f"aftersales-board-picked-desk-{lang}.png")

    # Drag it onto the top-ranked technician at 10:00.
    _drag_ticket(page, first, "Wang Fang", day, 10)
    _wait_message(page)
    first.refresh_from_db()
    assert first.status == TicketStatus.DISPATCHED and first.technician == best
    assert (first.appointment_start, first.appointment_end) == (_local(day, 10), _local(day, 12))
    page.wait_for_selector(f".ec-event:has-text('{first.number}')")
    assert page.locator(f'.board-ticket[data-ticket="{first.pk}"]').count() == 0

    # Onto a technician without a certificate: refused in words, nothing changed.
    before = Ticket.objects.values().get(pk=second.pk)
    _drag_ticket(page, second, "Zhao Lei", day, 14)
    page.wait_for_selector("#board-message.refused")
    text = page.inner_text("#board-message")
    assert (
        "no valid certificate for this product category"
        if lang == "en"
        else "没有该产品类别的有效资质证书"
    ) in text
    assert "not_certified" not in text
    assert Ticket.objects.values().get(pk=second.pk) == before
    assert page.locator(f'.board-ticket[data-ticket="{second.pk}"]').count() == 1
    assert_accessible(page)
    screenshot(page, f"aftersales-board-refused-desk-{lang}.png")

    # Drag the booked job from 10:00 to 14:00 on the same row: rescheduled.
    job = floor["job"]
    event = page.locator(f".ec-event:has-text('{job.number}')")
    box = event.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + box["height"] / 2)
    page.mouse.down()
    shift = _slot_x(page, day, 14) - _slot_x(page, day, 10)
    page.mouse.move(box["x"] + 10 + shift / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(box["x"] + 10 + shift, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_selector("#board-message.ok")
    job.refresh_from_db()
    assert job.status == TicketStatus.DISPATCHED and job.technician == floor["busy"]
    assert (job.appointment_start, job.appointment_end) == (_local(day, 14), _local(day, 16))

    # The keyboard path: pick the third ticket, choose the second-ranked technician, book.
    page.focus(f'.board-ticket[data-ticket="{second.pk}"] a.pick')
    _tab_to(page, f"ticket={third.pk}")
    page.keyboard.press("Enter")
    page.wait_for_selector(
        f'#board-panel .board-book input[name=ticket][value="{third.pk}"]', state="attached"
    )
    ranked = [c for c in dispatch_candidates(ticket=third, day=day) if c["eligible"]]
    _tab_to(page, "SELECT|technician")
    page.keyboard.press("ArrowDown")
    assert _focused(page).startswith(f"SELECT|technician|{ranked[1]['technician'].pk}|")
    _tab_to(page, "BUTTON|||submit")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.wait_for_selector(".messages .success")
    third.refresh_from_db()
    assert third.status == TicketStatus.DISPATCHED
    assert third.technician_id == ranked[1]["technician"].pk
    assert timezone.localtime(third.appointment_start).date() == day
    assert_accessible(page)
    screenshot(page, f"aftersales-board-day-desk-{lang}.png")

    page.goto(f"/dispatch/?date={day.isoformat()}&view=week")
    page.wait_for_selector(f".ec-event:has-text('{third.number}')")
    assert_accessible(page)
    screenshot(page, f"aftersales-board-week-desk-{lang}.png")

    # On a phone the board fits the screen: the timeline scrolls inside its own box.
    page.set_viewport_size(PHONE)
    page.goto(f"/dispatch/?date={day.isoformat()}&ticket={second.pk}")
    page.wait_for_selector(".ec-body .ec-row-head")
    assert_fits(page, PHONE["width"])
    screenshot(page, f"aftersales-board-phone-{lang}.png")
    assert violations == []
