"""The technician pages in headless Chromium, one journey per language: a supervisor finds a
technician on the roster, records an absence on their page, moves the booked job it hits
with one click, uploads a certificate scan and revokes a certificate; each step is read
back from the database and the audit trail. axe-core and screenshots (desk, and the
technician's page on a phone)."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from aftersales.roles import Role
from audits.models import AuditEvent
from technicians.models import Absence, Certification, TrainingRecord
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import (
    CertificationFactory,
    CertificationTypeFactory,
    CustomerFactory,
    ProductFactory,
    TechnicianFactory,
    advance,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}


def _booked_job(make_user, supervisor, technician):
    agent = make_user(Role.AGENT, username="desk")
    product = ProductFactory(customer=CustomerFactory(area=technician.areas.first()))
    ticket = make_ticket(actor=agent, product=product)
    ticket = advance(ticket, "triaged", desk=agent, supervisor=supervisor, technician=technician)
    start, end = appointment(days=2, hour=10)
    return services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_supervisor_records_an_absence_moves_the_job_uploads_a_scan_and_revokes(
    open_page, make_user, locale, tmp_path
):
    supervisor = make_user(Role.SUPERVISOR, username="boss")
    technician = TechnicianFactory(full_name="Wang Lei")
    extra = CertificationFactory(
        technician=technician,
        type=CertificationTypeFactory(code="electrician", name="Electrician"),
        expires_on=timezone.localdate() + datetime.timedelta(days=12),
    )
    TrainingRecord.objects.create(
        technician=technician,
        course="Refrigerant handling",
        completed_on=timezone.localdate(),
        theory_hours=12,
        practical_hours=6,
    )
    TechnicianFactory(full_name="Li Na", certified_for=[])
    job = _booked_job(make_user, supervisor, technician)
    day = timezone.localtime(job.appointment_start).date()
    tag = locale

    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "boss", "pw-boss")
    page.goto("/technicians/")
    assert page.locator("table.roster tbody tr").count() == 2
    text = page.inner_text("table.roster")
    assert ("即将到期" if locale == "zh-CN" else "Expiring") in text
    assert_accessible(page)
    screenshot(page, f"aftersales-technicians-{tag}.png")
    # A filter swaps the rows in place (htmx): only the certified technician remains.
    aircon = Certification.objects.filter(technician=technician).exclude(pk=extra.pk).get()
    page.select_option("#id_skill", str(aircon.type_id))
    page.wait_for_function("() => document.querySelectorAll('table.roster tbody tr').length === 1")
    assert "Wang Lei" in page.inner_text("table.roster")
    page.click(f"table.roster a[href='/technicians/{technician.pk}/']")
    page.wait_for_url(f"**/technicians/{technician.pk}/")

    # Record an absence on the job's day: the page lists the job it hits.
    page.click("#absences details.action-panel > summary")
    page.select_option("#id_kind", "sick")
    page.fill("#id_starts_on", day.isoformat())
    page.fill("#id_ends_on", day.isoformat())
    page.fill("#id_note", "flu")
    page.click("#absences form[action$='/absences/'] button[type=submit]")
    page.wait_for_load_state()
    absence = Absence.objects.get(technician=technician)
    assert (absence.kind, absence.starts_on, absence.ends_on) == ("sick", day, day)
    assert AuditEvent.objects.filter(action="absence.recorded", object_id=str(absence.pk)).exists()
    assert page.locator(f"#hit-{job.pk}").is_visible()
    assert job.number in page.inner_text(".hit-jobs")
    assert_accessible(page)
    screenshot(page, f"aftersales-technician-absence-{tag}.png")

    # One click moves it to the next day the technician works, same time.
    page.click(f"#hit-{job.pk} form button[type=submit]")
    page.wait_for_load_state()
    moved = Ticket.objects.get(pk=job.pk)
    assert moved.appointment_start == job.appointment_start + datetime.timedelta(days=1)
    assert moved.technician_id == technician.pk and moved.status == "dispatched"
    assert AuditEvent.objects.filter(action="ticket.reschedule", ticket=job).count() == 1
    assert page.locator(".hit-jobs").count() == 0

    # Upload a scan of the electrician certificate.
    card = f"#certificate-{extra.pk}"
    page.click(f"{card} details.action-panel:not(.danger) > summary")
    scan = tmp_path / "scan.png"
    buffer = io.BytesIO()
    Image.effect_noise((120, 80), 40).convert("RGB").save(buffer, "PNG")
    scan.write_bytes(buffer.getvalue())
    page.set_input_files(f"{card} input[type=file]", str(scan))
    page.click(f"{card} form[action$='/scan/'] button[type=submit]")
    page.wait_for_load_state()
    extra.refresh_from_db()
    assert extra.document.name.endswith(".png")
    assert page.locator(f"{card} a[href$='/scan/file/']").is_visible()

    # Revoke it, with a reason.
    page.click(f"{card} details.action-panel.danger > summary")
    page.fill(f"{card} textarea", "Stamp does not match the issuer's register")
    page.click(f"{card} form[action$='/revoke/'] button[type=submit]")
    page.wait_for_load_state()
    extra.refresh_from_db()
    assert extra.revoked_at is not None and extra.status == "revoked"
    assert extra.revoke_reason == "Stamp does not match the issuer's register"
    assert AuditEvent.objects.filter(action="certification.revoked").count() == 1
    assert "Stamp does not match" in page.inner_text(card)

    # The performance over another period.
    page.fill("#id_start", (timezone.localdate() - datetime.timedelta(days=29)).isoformat())
    page.click("#performance form button[type=submit]")
    page.wait_for_load_state()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#performance canvas')]"
        ".filter(c => window.Chart && Chart.getChart(c)).length === 2"
    )
    assert page.input_value("#id_end") == timezone.localdate().isoformat()
    page.wait_for_timeout(1200)  # Chart.js's entry animation, before the screenshot
    assert_accessible(page)
    screenshot(page, f"aftersales-technician-{tag}.png")

    page.set_viewport_size(PHONE)
    page.reload()
    assert_fits(page, 360)
    screenshot(page, f"aftersales-technician-phone-{tag}.png")
    page.goto("/technicians/")
    assert_fits(page, 360)
    screenshot(page, f"aftersales-technicians-phone-{tag}.png")
    extra.document.delete(save=False)
    assert Certification.objects.filter(technician=technician).count() == 2
