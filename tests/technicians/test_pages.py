"""The supervisors' technician pages through the Django client: who may see them, the
roster's figures and filters, each form of a technician's page in each of its modes (read
back from the database and the audit trail), the scan's access rules, and constant query
counts at N and 3N rows."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales.roles import Role
from audits.models import AuditEvent
from parts.models import StockLocation
from technicians.models import Absence, TrainingRecord
from technicians.roster import certificate_state, next_working_day
from tests.tickets.factories import (
    AreaFactory,
    CertificationFactory,
    CertificationTypeFactory,
    CustomerFactory,
    ProductFactory,
    TechnicianFactory,
    advance,
    appointment,
    make_ticket,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

LIST = reverse("technician-list-page")


def detail(technician):
    return reverse("technician-detail-page", args=[technician.pk])


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    client.user = supervisor
    return client


def _png(size=(40, 30)):
    buffer = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(buffer, "PNG")
    return SimpleUploadedFile("scan.png", buffer.getvalue(), content_type="image/png")


def _booked(agent, supervisor, technician, days=2):
    area = technician.areas.first()
    product = ProductFactory(customer=CustomerFactory(area=area))
    ticket = make_ticket(actor=agent, product=product)
    ticket = advance(ticket, "triaged", desk=agent, supervisor=supervisor, technician=technician)
    from tickets import services

    start, end = appointment(days=days, hour=10)
    return services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


# --- who may see --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.SUPERVISOR, 200), (Role.AUDITOR, 200), (Role.AGENT, 403), (Role.TECHNICIAN, 403)],
)
def test_the_pages_are_for_supervisors_and_auditors(client, make_user, role, status):
    technician = TechnicianFactory()
    client.force_login(make_user(role))
    assert client.get(LIST).status_code == status
    assert client.get(detail(technician)).status_code == status


def test_an_auditor_reads_but_gets_no_form_and_cannot_post(client, auditor):
    technician = TechnicianFactory()
    client.force_login(auditor)
    html = client.get(detail(technician)).content.decode()
    assert "Record an absence" not in html and "Revoke" not in html
    url = reverse("technician-absence-add-page", args=[technician.pk])
    response = client.post(
        url, {"kind": "leave", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}
    )
    assert response.status_code == 403
    assert not Absence.objects.exists()


# --- the roster ---------------------------------------------------------------------------------


def test_roster_shows_certificate_state_training_absence_and_load(sup, agent, supervisor):
    today = timezone.localdate()
    ok = TechnicianFactory(full_name="Alice Ok")
    TrainingRecord.objects.create(
        technician=ok, course="Safety", completed_on=today, theory_hours=20, practical_hours=10
    )
    late = TechnicianFactory(full_name="Bob Late", certified_for=[])
    CertificationFactory(
        technician=late,
        issued_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=1),
    )
    soon = TechnicianFactory(full_name="Carol Soon", certified_for=[])
    CertificationFactory(technician=soon, expires_on=today + datetime.timedelta(days=10))
    Absence.objects.create(technician=soon, kind="sick", starts_on=today, ends_on=today)
    html = sup.get(LIST).content.decode()
    for text in (
        "Alice Ok",
        "Bob Late",
        "Carol Soon",
        "None valid",
        "Expiring",
        "Hours complete",
        "Hours incomplete",
        "Sick leave",
        "theory 20 / 20 h",
        "practice 10 / 10 h",
        "of 6 jobs",
    ):
        assert text in html, text
    assert ">expiring<" not in html and ">valid<" not in html  # labels, never the codes


def test_certificate_state_is_the_worst_that_still_qualifies():
    assert certificate_state({}) == "expired"
    assert certificate_state({"valid": 1, "expired": 2}) == "valid"
    assert certificate_state({"valid": 1, "expiring": 1}) == "expiring"
    assert certificate_state({"revoked": 1}) == "expired"


def test_roster_filters_by_area_outlet_and_certificate(sup):
    north, south = AreaFactory(code="north", name="North"), AreaFactory(code="south", name="South")
    outlet = StockLocation.objects.create(code="OUT-1", name="Outlet One", kind="outlet")
    a = TechnicianFactory(full_name="Ann North", areas=[north])
    a.home_outlet = outlet
    a.save()
    TechnicianFactory(full_name="Sam South", areas=[south], certified_for=["washer"])
    names = lambda r: r.content.decode()  # noqa: E731
    html = names(sup.get(LIST, {"area": north.pk}))
    assert "Ann North" in html and "Sam South" not in html
    html = names(sup.get(LIST, {"outlet": outlet.pk}))
    assert "Ann North" in html and "Sam South" not in html
    skill = CertificationTypeFactory.for_category("washer")
    html = names(sup.get(LIST, {"skill": skill.pk}))
    assert "Sam South" in html and "Ann North" not in html
    bad = sup.get(LIST, {"area": "999999"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_roster_answers_htmx_with_the_rows_only(sup):
    TechnicianFactory(full_name="Ann")
    response = sup.get(LIST, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('<div id="roster-rows"') and "<html" not in html and "Ann" in html


def test_roster_pages_keep_the_filters(sup, monkeypatch):
    from audits.quality.views import technicians as view

    monkeypatch.setattr(view, "ROSTER_PAGE_SIZE", 2)
    area = AreaFactory(code="north", name="North")
    for name in ("Ann", "Bea", "Cai"):
        TechnicianFactory(full_name=name, areas=[area])
    TechnicianFactory(full_name="Dan")
    first = sup.get(LIST, {"area": area.pk}).content.decode()
    assert "Ann" in first and "Bea" in first and "Cai" not in first
    assert f'href="?area={area.pk}&amp;page=2"' in first and "Page 1 of 2 (3 technicians)" in first
    second = sup.get(LIST, {"area": area.pk, "page": 2}).content.decode()
    assert "Cai" in second and "Ann" not in second and "Dan" not in second


def _populate(n, agent, supervisor):
    today = timezone.localdate()
    for i in range(n):
        t = TechnicianFactory()
        CertificationFactory(technician=t, expires_on=today + datetime.timedelta(days=5 + i))
        TrainingRecord.objects.create(
            technician=t, course=f"C{i}", completed_on=today, theory_hours=2, practical_hours=1
        )
        Absence.objects.create(technician=t, kind="leave", starts_on=today, ends_on=today)


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_roster_query_count_is_constant(sup, agent, supervisor):
    _populate(3, agent, supervisor)
    few = _count(sup, LIST)
    _populate(9, agent, supervisor)
    assert _count(sup, LIST) == few


def test_technician_page_query_count_is_constant(sup, agent, supervisor):
    technician = TechnicianFactory()
    today = timezone.localdate()

    def add(n, offset):
        for i in range(n):
            CertificationFactory(technician=technician)
            TrainingRecord.objects.create(
                technician=technician, course=f"C{offset + i}", completed_on=today, theory_hours=1
            )
            day = today + datetime.timedelta(days=30 + 3 * (offset + i))
            _booked(agent, supervisor, technician, days=30 + 3 * (offset + i))
            Absence.objects.create(technician=technician, kind="leave", starts_on=day, ends_on=day)
            Absence.objects.create(
                technician=technician,
                kind="leave",
                starts_on=today - datetime.timedelta(days=10 + offset + i),
                ends_on=today - datetime.timedelta(days=10 + offset + i),
            )

    add(2, 0)
    few = _count(sup, detail(technician))
    add(4, 2)
    assert _count(sup, detail(technician)) == few
    assert len(sup.get(detail(technician)).context["hit_jobs"]) == 6


# --- training -----------------------------------------------------------------------------------


def test_add_training_record_and_refuse_one_without_hours(sup):
    technician = TechnicianFactory()
    url = reverse("technician-training-add-page", args=[technician.pk])
    today = timezone.localdate().isoformat()
    response = sup.post(
        url,
        {
            "course": "Refrigerants",
            "completed_on": today,
            "theory_hours": "8",
            "practical_hours": "4",
            "score": "92",
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(technician=technician)
    assert record.course == "Refrigerants" and record.score == 92
    assert AuditEvent.objects.filter(action="training.recorded", object_id=str(record.pk)).exists()
    response = sup.post(
        url,
        {"course": "Nothing", "completed_on": today, "theory_hours": "0", "practical_hours": "0"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A course has theory or practical hours." in html and 'value="Nothing"' in html
    assert TrainingRecord.objects.count() == 1


# --- absences and the jobs they hit ---------------------------------------------------------------


def test_record_an_absence_lists_the_job_it_hits_and_one_click_moves_it(sup, agent, supervisor):
    technician = TechnicianFactory()
    job = _booked(agent, supervisor, technician, days=2)
    day = timezone.localtime(job.appointment_start).date()
    url = reverse("technician-absence-add-page", args=[technician.pk])
    response = sup.post(
        url,
        {"kind": "sick", "starts_on": day.isoformat(), "ends_on": day.isoformat(), "note": "flu"},
    )
    assert response.status_code == 302
    absence = Absence.objects.get(technician=technician)
    assert (absence.kind, absence.starts_on, absence.note) == ("sick", day, "flu")
    assert AuditEvent.objects.filter(action="absence.recorded", object_id=str(absence.pk)).exists()
    page = sup.get(detail(technician))
    assert [t.pk for t in page.context["hit_jobs"]] == [job.pk]
    move_to = page.context["hit_jobs"][0].move_to
    assert move_to == day + datetime.timedelta(days=1)
    before = job.appointment_start
    response = sup.post(
        reverse("technician-job-move-page", args=[technician.pk, job.pk]),
        {"version": job.version, "day": move_to.isoformat()},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.appointment_start == before + datetime.timedelta(days=1)
    assert job.technician_id == technician.pk and job.status == "dispatched"
    assert AuditEvent.objects.filter(action="ticket.reschedule", ticket=job).exists()
    assert sup.get(detail(technician)).context["hit_jobs"] == []


def test_a_refused_move_shows_the_reasons_and_changes_nothing(sup, agent, supervisor):
    technician = TechnicianFactory(working_days="1234567")
    job = _booked(agent, supervisor, technician, days=2)
    day = timezone.localtime(job.appointment_start).date()
    Absence.objects.create(technician=technician, kind="leave", starts_on=day, ends_on=day)
    # The technician is absent the day offered too (recorded behind the page's back).
    later = day + datetime.timedelta(days=1)
    Absence.objects.create(technician=technician, kind="leave", starts_on=later, ends_on=later)
    response = sup.post(
        reverse("technician-job-move-page", args=[technician.pk, job.pk]),
        {"version": job.version, "day": later.isoformat()},
    )
    assert response.status_code == 400
    assert "the technician is absent then" in response.content.decode()
    job.refresh_from_db()
    assert timezone.localtime(job.appointment_start).date() == day


def test_a_stale_move_is_refused_without_a_500(sup, agent, supervisor):
    technician = TechnicianFactory()
    job = _booked(agent, supervisor, technician, days=2)
    response = sup.post(
        reverse("technician-job-move-page", args=[technician.pk, job.pk]),
        {"version": job.version + 5, "day": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert Ticket.objects.get(pk=job.pk).appointment_start == job.appointment_start


def test_moving_a_job_already_started_is_refused_with_the_reason(sup, agent, supervisor):
    technician = TechnicianFactory()
    job = _booked(agent, supervisor, technician, days=1)
    from tickets import services

    job = services.ticket_check_in(ticket=job, actor=technician.user)
    response = sup.post(
        reverse("technician-job-move-page", args=[technician.pk, job.pk]),
        {"version": job.version, "day": (timezone.localdate() + datetime.timedelta(days=3))},
    )
    assert response.status_code == 400
    assert response.context["refused_elsewhere"]
    assert Ticket.objects.get(pk=job.pk).status == "on_site"


def test_an_absence_ending_before_it_starts_is_refused_inline(sup):
    technician = TechnicianFactory()
    url = reverse("technician-absence-add-page", args=[technician.pk])
    response = sup.post(
        url,
        {"kind": "leave", "starts_on": "2026-05-03", "ends_on": "2026-05-01", "note": "keep me"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "An absence cannot end before it starts." in html and 'value="keep me"' in html
    assert not Absence.objects.exists()


def test_dates_beyond_the_calendar_are_refused_inline_not_a_500(sup, agent, supervisor):
    technician = TechnicianFactory()
    url = reverse("technician-absence-add-page", args=[technician.pk])
    response = sup.post(url, {"kind": "leave", "starts_on": "9999-12-30", "ends_on": "9999-12-31"})
    assert response.status_code == 400
    assert "Choose a date between 1900-01-01 and 2999-12-31." in response.content.decode()
    page = sup.get(detail(technician), {"start": "0001-01-01", "end": "9999-12-31"})
    assert page.status_code == 200 and "Choose a date between" in page.content.decode()
    job = _booked(agent, supervisor, technician)
    move = reverse("technician-job-move-page", args=[technician.pk, job.pk])
    assert sup.post(move, {"version": job.version, "day": "9999-12-31"}).status_code == 302
    assert Ticket.objects.get(pk=job.pk).appointment_start == job.appointment_start
    assert sup.get(LIST, {"page": "abc"}).status_code == 200


def test_next_working_day_skips_days_off_and_absences():
    from technicians.models import Technician

    technician = Technician(working_days="12345")
    friday = datetime.date(2026, 3, 6)
    assert next_working_day(technician=technician, after=friday) == datetime.date(2026, 3, 9)
    monday = datetime.date(2026, 3, 9)
    assert next_working_day(technician=technician, after=friday, absences=[(monday, monday)]) == (
        datetime.date(2026, 3, 10)
    )


# --- certificates -------------------------------------------------------------------------------


def test_revoke_needs_a_reason_and_is_audited(sup):
    technician = TechnicianFactory(certified_for=[])
    certificate = CertificationFactory(technician=technician)
    url = reverse("certification-revoke-page", args=[technician.pk, certificate.pk])
    response = sup.post(url, {f"revoke-{certificate.pk}-reason": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = sup.post(url, {f"revoke-{certificate.pk}-reason": "Forged stamp"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoke_reason == "Forged stamp"
    assert AuditEvent.objects.filter(action="certification.revoked").count() == 1
    html = sup.get(detail(technician)).content.decode()
    assert "Forged stamp" in html and "Revoked" in html


def test_upload_a_scan_then_it_is_served_to_the_right_people_only(client, sup, make_user):
    technician = TechnicianFactory(certified_for=[])
    certificate = CertificationFactory(technician=technician)
    url = reverse("certification-scan-upload-page", args=[technician.pk, certificate.pk])
    response = sup.post(
        url,
        {
            f"scan-{certificate.pk}-document": SimpleUploadedFile(
                "scan.pdf", b"<html>not a pdf</html>", content_type="application/pdf"
            )
        },
    )
    assert response.status_code == 400
    assert "Upload a PDF, PNG, JPEG, WebP file" in response.content.decode()
    response = sup.post(url, {f"scan-{certificate.pk}-document": _png()})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.document.name.endswith(".png")
    assert AuditEvent.objects.filter(action="certification.updated").exists()
    file_url = reverse("certification-scan-file", args=[technician.pk, certificate.pk])
    served = sup.get(file_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in served["Content-Disposition"]
    other = client_class_login(make_user(Role.AGENT))
    assert other.get(file_url).status_code == 404
    stranger = client_class_login(TechnicianFactory().user)
    assert stranger.get(file_url).status_code == 404
    assert client_class_login(technician.user).get(file_url).status_code == 200
    assert "Download the scan" in sup.get(detail(technician)).content.decode()
    certificate.document.delete(save=False)


def client_class_login(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_scan_over_the_limit_is_refused_next_to_the_field(sup, settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "certificate_document": 100}
    technician = TechnicianFactory(certified_for=[])
    certificate = CertificationFactory(technician=technician)
    url = reverse("certification-scan-upload-page", args=[technician.pk, certificate.pk])
    response = sup.post(url, {f"scan-{certificate.pk}-document": _png((200, 200))})
    assert response.status_code == 400
    assert "nothing was uploaded" in response.content.decode()
    certificate.refresh_from_db()
    assert not certificate.document


# --- performance --------------------------------------------------------------------------------


def test_performance_period_is_validated_inline_and_shows_a_week_per_row(sup):
    technician = TechnicianFactory()
    page = sup.get(detail(technician), {"start": "2026-03-10", "end": "2026-03-01"})
    assert page.status_code == 200  # the page still shows, the last 90 days, with the error
    assert "The period must end on or after its first day." in page.content.decode()
    long = sup.get(detail(technician), {"start": "2020-01-01", "end": "2026-01-01"})
    assert "Choose at most 186 days." in long.content.decode()
    page = sup.get(detail(technician), {"start": "2026-01-05", "end": "2026-03-01"})
    html = page.content.decode()
    assert "Jobs by week" in html and "Quality by week" in html
    assert html.count('<tr><th scope="row">') == 2 * 8  # eight weeks in each chart's table
    assert 'value="2026-01-05"' in html and 'value="2026-03-01"' in html
    half = sup.get(detail(technician), {"start": "2026-01-05"}).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in half  # the end defaults to today
