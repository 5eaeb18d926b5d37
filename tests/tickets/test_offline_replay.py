"""The technician's queue replayed (tickets/views/offline.py): each change made offline is
posted again with its Idempotency-Key and the phone's clock; it applies once, through the
same views and services as a tap online; a second replay changes nothing; a conflict (the
job was reassigned or rescheduled meanwhile) is answered in words and changes nothing;
another technician's job is refused; the SLA stages take the phone's time when it is
plausible and say which. The app's manifest, service worker and sync state."""

import datetime
import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales.platform.models import IdempotencyKey
from audits.models import AuditEvent
from parts.models import StockLevel, TicketPart
from tests.tickets.test_job_page import _record
from tests.tickets.test_signoff import SIGNATURE
from tickets import services
from tickets.models import Ticket, TicketAttachment
from tickets.presenters import timeline_entries
from tickets.services.visits import stage_time

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def technician_client(client, technician):
    client.force_login(technician.user)
    return client


def _replay(client, name, ticket, data, *, key=None, device_time=None, **extra):
    headers = {"X-Offline-Replay": "1", "Idempotency-Key": key or str(uuid.uuid4())}
    if device_time is not None:
        headers["X-Device-Time"] = device_time.isoformat()
    return client.post(reverse(name, args=[ticket.pk]), data, headers=headers, **extra)


def _record_with_part(ticket, catalogue, part):
    return _record(ticket, catalogue, line_part=[part.pk], line_quantity=["2"],
                   line_charged=["free"], line_fitted=["SN-NEW-7"],
                   line_removed=["SN-OLD-3"])  # fmt: skip


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(buffer, "JPEG")
    return SimpleUploadedFile("plate.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- Whose clock: a pure rule ---------------------------------------------------------------


def test_the_phones_time_counts_when_plausible():
    now = timezone.now()
    dispatched = now - datetime.timedelta(hours=3)
    kwargs = {"received_at": now, "not_before": dispatched, "skew_seconds": 120}
    assert stage_time(device_time=now - 40 * MINUTE, **kwargs) == (now - 40 * MINUTE, "device")
    # A clock a little fast counts as now; far ahead or before the dispatch does not.
    assert stage_time(device_time=now + MINUTE, **kwargs) == (now, "device")
    assert stage_time(device_time=now + 10 * MINUTE, **kwargs) == (now, "server")
    assert stage_time(device_time=dispatched - MINUTE, **kwargs) == (now, "server")
    assert stage_time(device_time=None, **kwargs) == (now, "server")


# --- Replay ---------------------------------------------------------------------------------


def test_a_whole_job_done_offline_applies_once(technician_client, job_in, catalogue, van_stock):
    ticket = job_in("dispatched")
    arrived = timezone.now() - 50 * MINUTE
    Ticket.objects.filter(pk=ticket.pk).update(dispatched_at=arrived - 3 * 60 * MINUTE)
    part = van_stock["covered"]
    level = StockLevel.objects.get(part=part, location=van_stock["van"])
    # The phone recorded every step on the page as it stood before the first one.
    steps = [
        ("job-check-in", {"version": ticket.version, "outside_window_confirmed": "on"}, arrived),
        ("job-photo", {"photo_kind": "before", "caption": ""}, arrived + 2 * MINUTE),
        ("job-complete", _record_with_part(ticket, catalogue, part), arrived + 30 * MINUTE),
        ("job-sign-page", {"version": ticket.version, "accepted": "yes", "satisfaction": "5",
                           "comment": "很好", "signature": SIGNATURE}, arrived + 35 * MINUTE),
    ]  # fmt: skip
    keys = [str(uuid.uuid4()) for _ in steps]

    def send_all():
        version, answers = None, []
        for (name, data, at), key in zip(steps, keys, strict=True):
            data = dict(data)
            if version is not None and "version" in data:
                data["version"] = version  # the phone chains its own changes
            if name == "job-photo":
                data["file"] = _photo()
            response = _replay(technician_client, name, ticket, data, key=key, device_time=at)
            assert response.status_code == 200, response.content.decode()[:500]
            answer = response.json()
            version = answer["version"] if answer["version"] is not None else version
            answers.append(answer["outcome"])
        return answers

    assert send_all() == ["applied"] * 4
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.on_site_at == arrived
    assert ticket.completed_at == arrived + 30 * MINUTE
    assert ticket.closed_at == arrived + 35 * MINUTE
    check_in = ticket.events.get(action="check_in").payload
    assert check_in["time_source"] == "device"
    assert check_in["device_time"] == arrived.isoformat()
    assert datetime.datetime.fromisoformat(check_in["received_at"]) > arrived
    audit = AuditEvent.objects.get(action="ticket.complete", ticket_id=ticket.pk)
    assert audit.changes["time_source"] == "device"
    # The van moved as the service's completion moves it: 2 issued, once.
    line = TicketPart.objects.get(ticket=ticket)
    assert (line.quantity, line.charged, line.fitted_serial) == (2, False, "SN-NEW-7")
    level_after = StockLevel.objects.get(pk=level.pk)
    assert level_after.on_hand == level.on_hand - 2
    assert TicketAttachment.objects.filter(ticket=ticket, kind="photo").count() == 1
    stored = IdempotencyKey.objects.filter(key__in=keys).order_by("device_time")
    assert [row.device_time for row in stored] == [at for _, _, at in steps]
    assert all(row.created_at > row.device_time for row in stored)

    # The same queue sent again (the answers were lost on the way): nothing changes.
    before = (ticket.version, ticket.events.count(), AuditEvent.objects.count())
    assert send_all() == ["duplicate"] * 4
    ticket.refresh_from_db()
    assert (ticket.version, ticket.events.count(), AuditEvent.objects.count()) == before
    assert StockLevel.objects.get(pk=level.pk).on_hand == level.on_hand - 2
    assert TicketAttachment.objects.filter(ticket=ticket, kind="photo").count() == 1

    # The ticket page's timeline says whose clock counted.
    facts = [dict(entry.facts) for entry in timeline_entries(ticket.events.all())]
    offline = [f["Recorded offline"] for f in facts if "Recorded offline" in f]
    assert len(offline) == 3 and all("the phone's time counts" in text for text in offline)


def test_an_implausible_phone_clock_gives_the_time_received(technician_client, job_in):
    ticket = job_in("dispatched")
    data = {"version": ticket.version, "outside_window_confirmed": "on"}
    ahead = timezone.now() + datetime.timedelta(hours=5)
    response = _replay(technician_client, "job-check-in", ticket, data, device_time=ahead)
    assert response.json()["outcome"] == "applied"
    ticket.refresh_from_db()
    assert ticket.on_site_at < ahead - datetime.timedelta(hours=4)
    payload = ticket.events.get(action="check_in").payload
    assert payload["time_source"] == "server" and payload["device_time"] == ahead.isoformat()
    facts = dict(timeline_entries(ticket.events.filter(action="check_in"))[0].facts)
    assert "cannot be right" in facts["Recorded offline"]


def test_a_job_rescheduled_meanwhile_is_a_conflict_and_nothing_changes(
    technician_client, job_in, supervisor
):
    ticket = job_in("dispatched")
    data = {"version": ticket.version, "outside_window_confirmed": "on"}
    start = timezone.now() + datetime.timedelta(days=2)
    services.ticket_reschedule(
        ticket=ticket, actor=supervisor, appointment_start=start,
        appointment_end=start + datetime.timedelta(hours=2), reason="Customer asked",
    )  # fmt: skip
    key = str(uuid.uuid4())
    response = _replay(technician_client, "job-check-in", ticket, data, key=key)
    assert response.status_code == 409
    answer = response.json()
    assert answer["outcome"] == "conflict"
    assert "changed at the desk" in answer["message"]
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    # Nothing kept under the key: the technician may try again once they have reloaded.
    assert not IdempotencyKey.objects.filter(key=key).exists()


def test_a_job_reassigned_meanwhile_is_a_conflict(
    technician_client, job_in, supervisor, other_technician
):
    ticket = job_in("dispatched")
    data = {"version": ticket.version, "outside_window_confirmed": "on"}
    services.ticket_reschedule(
        ticket=ticket, actor=supervisor, appointment_start=ticket.appointment_start,
        appointment_end=ticket.appointment_end, reason="Van broke down",
        technician=other_technician,
    )  # fmt: skip
    response = _replay(technician_client, "job-check-in", ticket, data)
    assert response.status_code == 404
    assert response.json()["outcome"] == "conflict"
    assert "no longer yours" in response.json()["message"]
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"


def test_another_technician_cannot_queue_for_the_job(client, job_in, other_technician):
    ticket = job_in("dispatched")
    client.force_login(other_technician.user)
    data = {"version": ticket.version, "outside_window_confirmed": "on"}
    for name in ("job-check-in", "job-complete", "job-sign-page", "job-photo"):
        response = _replay(client, name, ticket, data)
        assert response.status_code == 404, name
        assert response.json()["outcome"] == "conflict"
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    assert not IdempotencyKey.objects.exists()


def test_a_signature_for_a_job_that_moved_on_is_not_reported_as_sent(technician_client, job_in):
    ticket = job_in("on_site")
    data = {"version": ticket.version, "accepted": "yes", "signature": SIGNATURE}
    response = _replay(technician_client, "job-sign-page", ticket, data)
    assert response.status_code == 409
    assert response.json()["outcome"] == "conflict"
    assert Ticket.objects.get(pk=ticket.pk).status == "on_site"


def test_a_refused_form_is_answered_with_its_errors(technician_client, job_in, catalogue):
    ticket = job_in("on_site")
    data = {"version": ticket.version, "fault_code": catalogue["codes"][0].pk}
    response = _replay(technician_client, "job-complete", ticket, data)
    assert response.status_code == 400
    answer = response.json()
    assert answer["outcome"] == "invalid" and "work_done" in answer["fields"]
    assert answer["message"]


def test_signed_out_and_keyless_replays_are_refused(client, technician_client, job_in):
    ticket = job_in("dispatched")
    data = {"version": ticket.version}
    client.logout()  # technician_client is this client, signed in
    response = client.post(
        reverse("job-check-in", args=[ticket.pk]), data,
        headers={"X-Offline-Replay": "1", "Idempotency-Key": "k"},
    )  # fmt: skip
    assert response.status_code == 401 and response.json()["outcome"] == "signed_out"
    client.force_login(ticket.technician.user)
    response = client.post(
        reverse("job-check-in", args=[ticket.pk]), data, headers={"X-Offline-Replay": "1"}
    )
    assert response.status_code == 400 and response.json()["outcome"] == "invalid"
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"


def test_a_replay_needs_the_csrf_token(job_in, technician):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(technician.user)
    ticket = job_in("dispatched")
    data = {"version": ticket.version, "outside_window_confirmed": "on"}
    response = _replay(client, "job-check-in", ticket, data)
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    token = client.get(reverse("job-sync-state")).json()["csrf"]
    response = _replay(client, "job-check-in", ticket, data, HTTP_X_CSRFTOKEN=token)
    assert response.json()["outcome"] == "applied"


# --- The app's files --------------------------------------------------------------------------


def test_sync_state_names_the_technician(client, technician, agent):
    client.force_login(technician.user)
    state = client.get(reverse("job-sync-state")).json()
    assert state["user"] == technician.user.pk and state["csrf"]
    client.force_login(agent)
    assert client.get(reverse("job-sync-state")).status_code == 403
    client.logout()
    assert client.get(reverse("job-sync-state")).status_code == 302  # to the sign-in page


def test_the_manifest_and_the_service_worker(technician_client):
    response = technician_client.get(reverse("job-web-manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/jobs/" and manifest["scope"] == "/jobs/"
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    worker = technician_client.get(reverse("job-service-worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    body = worker.content.decode()
    assert "/static/vendor/workbox/workbox-sw.js" in body
    assert "/static/vendor/workbox/workbox-strategies.prod.js" in body
    assert "storage.googleapis.com" not in body  # never the CDN
    assert "/jobs/offline/" in body
    assert technician_client.get(reverse("job-offline-page")).status_code == 200


def test_a_dispatched_job_page_carries_the_next_steps_hidden(technician_client, job_in, van_stock):
    ticket = job_in("dispatched")
    html = technician_client.get(reverse("job-page", args=[ticket.pk])).content.decode()
    assert 'id="work-record" data-stage="on_site" hidden' in html
    assert 'id="offline-sign" data-stage="awaiting_confirmation" hidden' in html
    assert 'data-offline="check_in"' in html and 'data-offline="photo"' in html
    assert 'id="part-line-template"' in html
    assert f'data-add-part="{van_stock["covered"].pk}"' in html
    assert 'rel="manifest"' in html and 'id="offline-config"' in html
