"""The technician's job page: who may open it and post to it, "on my way", the check-in
window warning, the work record (fault code, checklist, parts from the van in each
mode, photos) and a constant number of queries."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales.platform.models import Notification, NotificationKind
from audits.models import AuditEvent
from parts.models import StockLevel, TicketPart
from tests.parts.factories import PartFactory
from tests.tickets.factories import (
    advance,
    make_ticket,
)
from tickets import services
from tickets.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def technician_client(client, technician):
    client.force_login(technician.user)
    return client


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def _url(name, ticket):
    return reverse(name, args=[ticket.pk])


def _book_now(ticket):
    """Move the booked window around now (the factories book tomorrow)."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        appointment_start=now - datetime.timedelta(minutes=10),
        appointment_end=now + datetime.timedelta(hours=2),
    )
    ticket.refresh_from_db()
    return ticket


# --- Who may open it ---------------------------------------------------------------------


def test_symptom_and_customer_come_before_the_forms(technician_client, job_in):
    ticket = job_in("dispatched", description="Water drips from the indoor unit")
    response = technician_client.get(_url("job-page", ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Water drips") < html.index("h-customer") < html.index("on-my-way/")
    assert f'href="tel:{ticket.customer.phone}"' in html
    assert 'href="geo:0,0?q=' in html
    assert "https://uri.amap.com/search?keyword=" in html


def test_the_map_site_is_a_setting(technician_client, job_in, settings):
    settings.JOB_MAP_URL_TEMPLATE = "https://api.map.baidu.com/geocoder?address={address}"
    ticket = job_in("dispatched")
    html = technician_client.get(_url("job-page", ticket)).content.decode()
    assert "https://api.map.baidu.com/geocoder?address=" in html


def test_another_technician_can_neither_open_nor_post(client, job_in, other_technician):
    ticket = job_in("dispatched")
    client.force_login(other_technician.user)
    assert client.get(_url("job-page", ticket)).status_code == 404
    for name, data in [
        ("job-on-my-way", {"eta_minutes": 30}),
        ("job-check-in", {"version": ticket.version, "outside_window_confirmed": "on"}),
        ("job-complete", {"version": ticket.version}),
        ("job-photo", {"photo_kind": "before"}),
    ]:
        assert client.post(_url(name, ticket), data).status_code == 404, name
    assert client.get(_url("job-van-parts", ticket)).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"
    assert not Notification.objects.filter(kind=NotificationKind.ON_MY_WAY).exists()


def test_the_desk_does_not_get_the_job_page(agent_client, job_in):
    assert agent_client.get(_url("job-page", job_in("dispatched"))).status_code == 403


# --- On my way and the check-in ------------------------------------------------------------


def test_on_my_way_notifies_the_customer_by_sms_and_email(technician_client, job_in):
    ticket = job_in("dispatched")
    response = technician_client.post(_url("job-on-my-way", ticket), {"eta_minutes": 45})
    assert response.status_code == 302
    rows = Notification.objects.filter(kind=NotificationKind.ON_MY_WAY, ticket=ticket)
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "sms"]
    email = rows.get(channel="email")
    assert email.language == "zh-hans" and "45" in email.body
    assert "维修人员已在路上" in email.subject
    assert rows.get(channel="sms").sms_params["minutes"] == "45"
    audit = AuditEvent.objects.get(action="ticket.on_my_way")
    assert audit.changes["eta_minutes"] == 45
    assert ticket.events.filter(kind="on_my_way").count() == 1
    ticket.refresh_from_db()
    assert ticket.version == 3  # nothing of the ticket changed: created, triaged, dispatched


def test_on_my_way_refuses_an_estimate_not_offered(technician_client, job_in):
    ticket = job_in("dispatched")
    response = technician_client.post(_url("job-on-my-way", ticket), {"eta_minutes": 7})
    assert response.status_code == 400
    assert not Notification.objects.filter(kind=NotificationKind.ON_MY_WAY).exists()


def test_an_early_check_in_is_warned_and_needs_confirming(technician_client, job_in):
    ticket = job_in("dispatched")  # booked for tomorrow
    page = technician_client.get(_url("job-page", ticket)).content.decode()
    assert "You are early" in page and "outside_window_confirmed" in page
    data = {"version": ticket.version}
    response = technician_client.post(_url("job-check-in", ticket), data)
    assert response.status_code == 400
    assert "confirm to check in anyway" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"
    data["outside_window_confirmed"] = "on"
    response = technician_client.post(_url("job-check-in", ticket), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "on_site"
    event = ticket.events.get(action="check_in")
    assert event.payload["outside_window"] == "early"
    assert AuditEvent.objects.get(action="ticket.check_in").changes["outside_window"] == "early"


def test_a_check_in_inside_the_window_has_no_warning(technician_client, job_in):
    ticket = _book_now(job_in("dispatched"))
    page = technician_client.get(_url("job-page", ticket)).content.decode()
    assert "You are early" not in page
    # The confirmation is there for the phone to show offline, hidden.
    assert "<div data-window-confirm hidden>" in page
    response = technician_client.post(_url("job-check-in", ticket), {"version": ticket.version})
    assert response.status_code == 302
    event = Ticket.objects.get(pk=ticket.pk).events.get(action="check_in")
    assert "outside_window" not in event.payload


def test_the_window_rule():
    start = timezone.now().replace(microsecond=0)
    ticket = Ticket(appointment_start=start, appointment_end=start + datetime.timedelta(hours=2))
    minutes = datetime.timedelta(minutes=1)
    assert services.check_in_window(ticket=ticket, at=start - 31 * minutes) == "early"
    assert services.check_in_window(ticket=ticket, at=start - 29 * minutes) is None
    assert services.check_in_window(ticket=ticket, at=start + 149 * minutes) is None
    assert services.check_in_window(ticket=ticket, at=start + 151 * minutes) == "late"
    assert services.check_in_window(ticket=Ticket(), at=start) is None


# --- The work record ---------------------------------------------------------------------


def _record(ticket, catalogue, **extra):
    data = {
        "version": ticket.version,
        "fault_code": catalogue["codes"][0].pk,
        "diagnosis": "Relay stuck",
        "work_done": "Relay replaced",
        "test_passed": "true",
        "checklist": [item.pk for item in catalogue["items"]],
    }
    data.update(extra)
    return data


def test_complete_with_a_free_part_from_the_van(technician_client, job_in, catalogue, van_stock):
    ticket = job_in("on_site")
    part = van_stock["covered"]
    lines = {"line_part": [part.pk], "line_quantity": ["2"], "line_charged": ["free"]}
    lines.update(line_fitted=["SN-NEW-7"], line_removed=["SN-OLD-3"])
    data = _record(ticket, catalogue, **lines)
    response = technician_client.post(_url("job-complete", ticket), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.status == "awaiting_confirmation"
    assert (ticket.fault_code, ticket.fault_class) == ("E4", "electrical")
    checklist = ticket.events.get(action="complete").payload["checklist"]
    assert [row["done"] for row in checklist] == [True, True]
    line = TicketPart.objects.get(ticket=ticket)
    assert (line.quantity, line.charged, line.fitted_serial, line.removed_serial) == (
        2, False, "SN-NEW-7", "SN-OLD-3"
    )  # fmt: skip
    level = StockLevel.objects.get(part=part, location=van_stock["van"])
    assert level.on_hand == 3


def test_complete_with_a_charged_part(technician_client, job_in, catalogue, van_stock):
    ticket = job_in("on_site")
    part = van_stock["covered"]
    data = _record(ticket, catalogue, line_part=[part.pk], line_quantity=["1"],
                   line_charged=["charged"], line_fitted=[""], line_removed=[""])  # fmt: skip
    assert technician_client.post(_url("job-complete", ticket), data).status_code == 302
    line = TicketPart.objects.get(ticket=ticket)
    assert line.charged and line.unit_price == Decimal("65.00")


def test_a_part_the_warranty_does_not_cover_cannot_be_made_free(
    technician_client, job_in, catalogue, van_stock
):
    ticket = job_in("on_site")
    part = van_stock["uncovered"]
    page = technician_client.get(
        reverse("job-part-line", args=[ticket.pk]), {"add_part": part.pk}
    ).content.decode()
    assert 'value="free"' not in page and "¥80.00" in page
    data = _record(ticket, catalogue, line_part=[part.pk], line_quantity=["1"],
                   line_charged=["free"], line_fitted=[""], line_removed=[""])  # fmt: skip
    assert technician_client.post(_url("job-complete", ticket), data).status_code == 302
    assert TicketPart.objects.get(ticket=ticket).charged


def test_complete_without_parts(technician_client, job_in, catalogue):
    ticket = job_in("on_site")
    response = technician_client.post(_url("job-complete", ticket), _record(ticket, catalogue))
    assert response.status_code == 302
    assert not TicketPart.objects.filter(ticket=ticket).exists()


def test_more_than_the_van_holds_is_refused_and_nothing_is_lost(
    technician_client, job_in, catalogue, van_stock
):
    ticket = job_in("on_site")
    part = van_stock["covered"]
    data = _record(ticket, catalogue, line_part=[part.pk], line_quantity=["9"],
                   line_charged=["free"], line_fitted=["SN-X"], line_removed=[""])  # fmt: skip
    response = technician_client.post(_url("job-complete", ticket), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="9"' in html and "SN-X" in html and "Relay stuck" in html
    ticket.refresh_from_db()
    assert ticket.status == "on_site"
    assert StockLevel.objects.get(part=part, location=van_stock["van"]).on_hand == 5


def test_a_required_check_must_be_ticked(technician_client, job_in, catalogue):
    ticket = job_in("on_site")
    data = _record(ticket, catalogue, checklist=[catalogue["items"][1].pk])
    response = technician_client.post(_url("job-complete", ticket), data)
    assert response.status_code == 400
    assert "Tested in front of the customer" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "on_site"


def test_a_fault_code_is_required(technician_client, job_in, catalogue):
    ticket = job_in("on_site")
    response = technician_client.post(
        _url("job-complete", ticket), _record(ticket, catalogue, fault_code="")
    )
    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).status == "on_site"


def test_without_javascript_add_and_search_keep_the_entries(
    technician_client, job_in, catalogue, van_stock
):
    ticket = job_in("on_site")
    data = _record(ticket, catalogue, add_part=van_stock["covered"].pk, diagnosis="Kept text")
    html = technician_client.post(_url("job-complete", ticket), data).content.decode()
    assert f'name="line_part" value="{van_stock["covered"].pk}"' in html
    assert "Kept text" in html
    data = _record(ticket, catalogue, part_search="1", part_q="remote",
                   line_part=[van_stock["covered"].pk], line_quantity=["2"],
                   line_charged=["free"], line_fitted=[""], line_removed=[""])  # fmt: skip
    html = technician_client.post(_url("job-complete", ticket), data).content.decode()
    assert 'value="2"' in html
    assert Ticket.objects.get(pk=ticket.pk).status == "on_site"


def test_the_van_search_finds_by_number_and_name(technician_client, job_in, van_stock):
    ticket = job_in("on_site")
    url = reverse("job-van-parts", args=[ticket.pk])
    by_name = technician_client.get(url, {"part_q": "remote"}).content.decode()
    assert "AC-00202" in by_name and "AC-00101" not in by_name
    by_number = technician_client.get(url, {"part_q": "00101"}).content.decode()
    assert "AC-00101" in by_number and "AC-00202" not in by_number


def test_the_fault_codes_are_labelled_in_the_page_language(technician_client, job_in):
    ticket = job_in("on_site")
    technician_client.cookies["django_language"] = "zh-hans"
    html = technician_client.get(_url("job-page", ticket), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "压缩机继电器" in html.content.decode()


# --- Photos ------------------------------------------------------------------------------


def _photo_with_gps():
    image = Image.new("RGB", (3000, 2250), "teal")
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 14.0, 0.0)
    gps[3], gps[4] = "E", (121.0, 28.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_its_position(technician_client, job_in):
    ticket = job_in("on_site")
    raw = _photo_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
    upload = SimpleUploadedFile("IMG_0001.jpg", raw, content_type="image/jpeg")
    response = technician_client.post(
        _url("job-photo", ticket), {"photo_kind": "nameplate", "file": upload, "caption": "Plate"}
    )
    assert response.status_code == 302
    attachment = TicketAttachment.objects.get(ticket=ticket)
    assert attachment.photo_kind == "nameplate" and attachment.thumbnail
    with attachment.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert not stored.getexif().get_ifd(0x8825)
    assert stored.size == (2048, 1536)  # scaled down on the server
    html = technician_client.get(_url("job-page", ticket)).content.decode()
    assert reverse("ticket-attachment-thumbnail", args=[ticket.pk, attachment.pk]) in html


# --- Queries -----------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_runs_a_constant_number_of_queries(
    technician_client, job_in, agent, supervisor, technician, van_stock
):
    ticket = job_in("on_site")

    def earlier_jobs(n):
        for _ in range(n):
            old = make_ticket(actor=agent, customer=ticket.customer, product=ticket.product)
            advance(old, "awaiting_confirmation", desk=agent, supervisor=supervisor,
                    technician=technician)  # fmt: skip

    url = _url("job-page", ticket)
    earlier_jobs(1)
    few = _count(technician_client, url)
    earlier_jobs(3)
    for n in range(4):
        PartFactory(sku=f"AC-0090{n}")
    assert _count(technician_client, url) == few


def test_a_stale_work_record_keeps_the_entries_and_the_new_version(
    technician_client, job_in, catalogue
):
    ticket = job_in("on_site")
    data = _record(ticket, catalogue, version=ticket.version - 1, diagnosis="Stale but kept")
    response = technician_client.post(_url("job-complete", ticket), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Stale but kept" in html and f'name="version" value="{ticket.version}"' in html
