"""The dispatch board (tickets.views.board) through Django's test client: rows, jobs and
absences as the calendar's JSON, the waiting tickets by dispatch deadline, filters, the
ranked candidates for the day chosen, bookings through ticket_dispatch/ticket_reschedule
(JSON for the drag, a page for the keyboard form) read back from the database, refusals
that change nothing, and a constant query count."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from parts.models import StockLocation
from technicians.models import Absence
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    TechnicianFactory,
    advance,
    appointment,
    make_ticket,
)
from tickets.choices import TicketStatus
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
URL = "/dispatch/"
BOOK = "/dispatch/book/"
CANDIDATES = "/dispatch/candidates/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def board(client, supervisor):
    client.force_login(supervisor)
    return client


def _data(response):
    match = re.search(
        r'<script id="board-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def _visible(response):
    """The page's text without the calendar's JSON (which carries codes for the script)."""
    page = response.content.decode()
    page = re.sub(r'<script id="board-data".*?</script>', "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def _triaged(agent, technician, **fields):
    fields.setdefault("customer", CustomerFactory(area=technician.areas.first()))
    ticket = make_ticket(actor=agent, **fields)
    return advance(ticket, TicketStatus.TRIAGED, desk=agent, supervisor=None, technician=None)


def _window(days=1, hour=10):
    start, end = appointment(days=days, hour=hour)
    return start, end


def _fmt(instant):
    return timezone.localtime(instant).strftime("%Y-%m-%dT%H:%M")


# --- What the board shows ------------------------------------------------------------------


def test_board_shows_technicians_jobs_absences_and_waiting_tickets(
    board, agent, technician, ticket_in
):
    job = ticket_in("dispatched")
    waiting = _triaged(agent, technician)
    day = timezone.localtime(job.appointment_start).date()
    Absence.objects.create(technician=technician, kind="leave", starts_on=day, ends_on=day)
    response = board.get(URL, {"date": day.isoformat(), "view": "week"})
    assert response.status_code == 200
    data = _data(response)
    assert data["view"] == "resourceTimelineWeek"
    assert {
        "id": str(technician.pk),
        "title": f"{technician.full_name} ({technician.employee_no})",
    } in data["resources"]
    jobs = [e for e in data["events"] if e["id"] == f"ticket-{job.pk}"]
    assert jobs and jobs[0]["title"] == f"{job.number} · Dispatched"
    assert jobs[0]["start"] == timezone.localtime(job.appointment_start).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    assert jobs[0]["startEditable"] is True
    absences = [e for e in data["events"] if e.get("display") == "background"]
    assert absences and absences[0]["title"] == "Absent: Leave"
    text = _visible(response)
    assert waiting.number in text and "left" in text  # the SLA badge, in words
    assert "triaged" not in text and "dispatched" not in text.replace("Dispatched", "")


def test_waiting_tickets_come_by_dispatch_deadline(board, agent, technician):
    later = _triaged(agent, technician)
    sooner = _triaged(agent, technician)
    Ticket.objects.filter(pk=sooner.pk).update(
        dispatch_due_at=later.dispatch_due_at - datetime.timedelta(hours=3)
    )
    page = board.get(URL).content.decode()
    assert page.index(sooner.number) < page.index(later.number)


def test_only_supervisors_open_the_board(client, agent, technician):
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.post(BOOK, {}).status_code == 403
    client.force_login(technician.user)
    assert client.get(URL).status_code == 403


def test_filters_narrow_the_rows(board, technician):
    elsewhere = TechnicianFactory(areas=[AreaFactory(code="minhang", name="Minhang")])
    uncertified = TechnicianFactory(certified_for=[], areas=list(technician.areas.all()))
    outlet = StockLocation.objects.create(code="o1", name="Xuhui outlet", kind="outlet")
    technician.home_outlet = outlet
    technician.save()

    def rows(**params):
        return {r["id"] for r in _data(board.get(URL, params))["resources"]}

    everyone = {str(t.pk) for t in (technician, elsewhere, uncertified)}
    assert rows() == everyone
    assert rows(area=technician.areas.first().pk) == {str(technician.pk), str(uncertified.pk)}
    skill = technician.certifications.first().type.categories.first()
    assert rows(skill=skill.pk) == {str(technician.pk), str(elsewhere.pk)}
    assert rows(outlet=outlet.pk) == {str(technician.pk)}


def test_a_bad_filter_is_reported_and_the_others_kept(board, technician):
    response = board.get(URL, {"date": "2026-13-45", "area": technician.areas.first().pk})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert [r["id"] for r in _data(response)["resources"]] == [str(technician.pk)]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_off_the_calendar_is_refused_in_words(board, day):
    response = board.get(URL, {"date": day, "view": "week"})
    assert response.status_code == 200
    assert "Choose a day between 1900 and 2999." in response.content.decode()


# --- Candidates ----------------------------------------------------------------------------


def test_picking_a_ticket_ranks_its_candidates_for_the_day(board, agent, technician):
    other = TechnicianFactory(areas=list(technician.areas.all()))
    ticket = _triaged(agent, technician)
    day = timezone.localdate() + datetime.timedelta(days=1)
    page = board.get(URL, {"ticket": ticket.pk, "date": day.isoformat()}).content.decode()
    assert f"Dispatch {ticket.number}" in page
    assert re.search(rf'data-technician="{technician.pk}" data-rank="\d"', page)
    assert "0/6 jobs booked that day" in page
    # Another day, on which the technician is away: ranked again, the absence in words.
    Absence.objects.create(technician=technician, kind="sick", starts_on=day, ends_on=day)
    panel = board.get(
        CANDIDATES, {"ticket": ticket.pk, "date": day.isoformat()}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in panel
    assert f'data-technician="{other.pk}" data-rank="1"' in panel
    assert "the technician is absent then" in panel
    assert "absent</" not in panel and ": absent" not in panel


def test_the_panel_says_so_when_the_ticket_was_dispatched_meanwhile(board, ticket_in):
    job = ticket_in("dispatched")
    panel = board.get(CANDIDATES, {"ticket": job.pk}).content.decode()
    assert "no longer waiting" in panel


def test_the_board_in_chinese(board, agent, technician):
    ticket = _triaged(agent, technician)
    with translation.override("zh-hans"):
        response = board.get(URL, {"ticket": ticket.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert "派工看板" in page and "等待派工" in page


# --- Booking -------------------------------------------------------------------------------


def test_a_drop_dispatches_through_the_service(board, agent, supervisor, technician):
    ticket = _triaged(agent, technician)
    start, end = _window()
    response = board.post(
        BOOK,
        {
            "ticket": ticket.pk,
            "version": ticket.version,
            "technician": technician.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(end),
        },
        **JSON,
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["ok"] and answer["event"]["resourceIds"] == [str(technician.pk)]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.technician == technician
    assert (ticket.appointment_start, ticket.appointment_end) == (start, end)
    assert TicketEvent.objects.filter(ticket=ticket, actor=supervisor).exists()


def test_a_drop_onto_an_unqualified_technician_changes_nothing(board, agent, technician):
    unqualified = TechnicianFactory(certified_for=[], areas=[AreaFactory(code="far", name="Far")])
    ticket = _triaged(agent, technician)
    before = Ticket.objects.values().get(pk=ticket.pk)
    start, end = _window()
    response = board.post(
        BOOK,
        {
            "ticket": ticket.pk,
            "technician": unqualified.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(end),
        },
        **JSON,
    )
    assert response.status_code == 409
    answer = response.json()
    assert not answer["ok"] and answer["message"] == "This technician cannot take this job."
    assert answer["reasons"] == [
        "no valid certificate for this product category",
        "the technician does not cover the customer's area",
    ]
    assert Ticket.objects.values().get(pk=ticket.pk) == before


def test_dragging_a_job_reschedules_it(board, ticket_in, other_technician):
    job = ticket_in("dispatched")
    start, end = _window(days=2, hour=14)
    response = board.post(
        BOOK,
        {
            "ticket": job.pk,
            "version": job.version,
            "technician": other_technician.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(end),
        },
        **JSON,
    )
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert job.technician == other_technician and job.appointment_start == start
    event = TicketEvent.objects.filter(ticket=job, kind="reschedule").get()
    assert event.payload["reason"] == "Moved on the dispatch board"


def test_a_stale_drag_is_refused(board, ticket_in, technician):
    job = ticket_in("dispatched")
    start, end = _window(days=2)
    response = board.post(
        BOOK,
        {
            "ticket": job.pk,
            "version": job.version - 1,
            "technician": technician.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(end),
        },
        **JSON,
    )
    assert response.status_code == 409 and "Someone else changed" in response.json()["message"]


def test_bad_input_is_answered_in_words(board, agent, technician):
    ticket = _triaged(agent, technician)
    start, _end = _window()
    response = board.post(
        BOOK,
        {
            "ticket": ticket.pk,
            "technician": technician.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(start - datetime.timedelta(hours=1)),
        },
        **JSON,
    )
    assert response.status_code == 400
    assert "The appointment must end after it starts." in response.json()["reasons"][0]
    assert board.post(BOOK, {"ticket": "x"}, **JSON).status_code == 400
    missing = board.post(
        BOOK,
        {
            "ticket": 999999,
            "technician": technician.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(start + datetime.timedelta(hours=2)),
        },
        **JSON,
    )
    assert missing.status_code == 400 and missing.json()["message"] == "This ticket does not exist."


def test_the_keyboard_form_dispatches_and_returns_to_the_board(board, agent, technician):
    ticket = _triaged(agent, technician)
    start, end = _window()
    response = board.post(
        f"{BOOK}?date={start.date().isoformat()}&view=week",
        {
            "ticket": ticket.pk,
            "version": ticket.version,
            "technician": technician.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(end),
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(URL) and "view=week" in response["Location"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.technician == technician
    page = board.get(response["Location"]).content.decode()
    assert f"{ticket.number} booked with {technician.full_name}" in page


def test_a_refused_keyboard_booking_shows_the_reasons_and_keeps_the_input(board, agent, technician):
    away = TechnicianFactory(areas=list(technician.areas.all()))
    ticket = _triaged(agent, technician)
    start, end = _window()
    Absence.objects.create(
        technician=away, kind="leave", starts_on=start.date(), ends_on=start.date()
    )
    response = board.post(
        BOOK,
        {
            "ticket": ticket.pk,
            "version": ticket.version,
            "technician": away.pk,
            "appointment_start": _fmt(start),
            "appointment_end": _fmt(end),
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "the technician is absent then" in page and 'id="booking-error"' in page
    assert f'value="{_fmt(start)}"' in page
    assert re.search(rf'<option value="{away.pk}" selected>', page)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRIAGED and ticket.technician is None


# --- Cost ----------------------------------------------------------------------------------


def _fill(n, agent, supervisor, area):
    for _ in range(n):
        tech = TechnicianFactory(areas=[area])
        ticket = make_ticket(actor=agent, customer=CustomerFactory(area=area))
        advance(ticket, TicketStatus.DISPATCHED, desk=agent, supervisor=supervisor, technician=tech)
        Absence.objects.create(
            technician=tech,
            kind="leave",
            starts_on=timezone.localdate() + datetime.timedelta(days=2),
            ends_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        make_ticket(actor=agent, customer=CustomerFactory(area=area))
        advance(
            make_ticket(actor=agent, customer=CustomerFactory(area=area)),
            TicketStatus.TRIAGED,
            desk=agent,
            supervisor=supervisor,
            technician=tech,
        )


def test_the_board_costs_the_same_queries_at_any_size(board, agent, supervisor):
    area = AreaFactory()
    params = {"view": "week"}

    def count():
        ticket = Ticket.objects.filter(status=TicketStatus.TRIAGED).first()
        with CaptureQueriesContext(connection) as queries:
            assert board.get(URL, {**params, "ticket": ticket.pk}).status_code == 200
        return len(queries)

    def panel():
        ticket = Ticket.objects.filter(status=TicketStatus.TRIAGED).first()
        with CaptureQueriesContext(connection) as queries:
            board.get(CANDIDATES, {"ticket": ticket.pk}, HTTP_HX_REQUEST="true")
        return len(queries)

    _fill(3, agent, supervisor, area)
    small, small_panel = count(), panel()
    _fill(6, agent, supervisor, area)
    assert count() == small and panel() == small_panel
