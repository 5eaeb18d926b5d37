"""The technicians admin: every write through the technicians' services, driven like a
browser as a supervisor (and as the superuser where only they may add)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditEvent
from parts.models import StockLocation
from technicians.models import Absence, CertificationType, Technician, TrainingRecord
from tests.admin_forms import errors_of, form_data
from tests.tickets.factories import (
    AreaFactory,
    CertificationTypeFactory,
    CustomerFactory,
    appointment,
    make_ticket,
)
from tickets import services as tickets

pytestmark = pytest.mark.django_db


def test_admin_technician_create_gives_the_sign_in_and_the_van(admin_client, admin_user):
    area = AreaFactory(code="xuhui", name="Xuhui")
    add = reverse("admin:technicians_technician_add")
    data = form_data(
        admin_client.get(add),
        username="wang.lei",
        password="Van-keys-2026!",
        full_name="Wang Lei",
        phone="13700001111",
        employee_no="T-0777",
        areas=[area.pk],
        max_jobs_per_day="5",
        working_days="12345",
    )
    response = admin_client.post(add, data)
    assert response.status_code == 302, errors_of(response)
    technician = Technician.objects.get(employee_no="T-0777")
    assert technician.user.username == "wang.lei"
    assert technician.user.check_password("Van-keys-2026!")
    assert technician.user.groups.filter(name="technician").exists()
    assert list(technician.areas.values_list("code", flat=True)) == ["xuhui"]
    van = StockLocation.objects.get(technician=technician)
    assert (van.kind, van.code) == ("van", "VAN-T-0777")
    event = AuditEvent.objects.get(action="technician.created", object_id=str(technician.pk))
    assert (event.actor, event.source) == (admin_user, "admin")
    assert "Van-keys-2026!" not in str(AuditEvent.objects.values_list("changes", flat=True))
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


def test_admin_technician_create_refuses_a_taken_username(admin_client, technician):
    add = reverse("admin:technicians_technician_add")
    data = form_data(
        admin_client.get(add),
        username=technician.user.username.upper(),
        full_name="Someone Else",
        phone="13700002222",
        employee_no="T-0888",
        areas=[technician.areas.first().pk],
        max_jobs_per_day="5",
        working_days="12345",
    )
    response = admin_client.post(add, data)
    assert response.status_code == 200
    assert "username is taken" in errors_of(response)
    assert not Technician.objects.filter(employee_no="T-0888").exists()
    assert not StockLocation.objects.filter(code="VAN-T-0888").exists()


def test_admin_technician_edit_goes_through_the_service(supervisor_admin, technician):
    url = reverse("admin:technicians_technician_change", args=[technician.pk])
    page = supervisor_admin.get(url)
    assert 'name="employee_no"' not in page.content.decode()
    data = form_data(page, max_jobs_per_day="3", employee_no="FORGED")
    response = supervisor_admin.post(url, data)
    assert response.status_code == 302, errors_of(response)
    technician.refresh_from_db()
    assert technician.max_jobs_per_day == 3
    assert technician.employee_no != "FORGED"
    [event] = AuditEvent.objects.filter(object_type="technicians.technician")
    assert event.action == "technician.updated"
    assert event.changes == {"max_jobs_per_day": [6, 3]}


def test_admin_absence_answers_the_affected_jobs(supervisor_admin, agent, supervisor, technician):
    customer = CustomerFactory(area=technician.areas.first())
    ticket = tickets.ticket_triage(
        ticket=make_ticket(actor=agent, customer=customer),
        actor=agent,
        priority="p2",
        warranty_decision="in_warranty",
    )
    start, end = appointment(days=2)
    ticket = tickets.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    add = reverse("admin:technicians_absence_add")
    day = timezone.localtime(start).date()
    data = form_data(
        supervisor_admin.get(add),
        technician=technician.pk,
        kind="sick",
        starts_on=(day - datetime.timedelta(days=1)).isoformat(),
        ends_on=day.isoformat(),
    )
    response = supervisor_admin.post(add, data, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(ticket.number in text and "reschedule" in text for text in shown), shown
    absence = Absence.objects.get(technician=technician)
    assert absence.recorded_by == supervisor_admin.user
    event = AuditEvent.objects.get(action="absence.recorded", object_id=str(absence.pk))
    assert event.source == "admin"
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


def test_admin_absence_ending_before_it_starts_is_refused(supervisor_admin, technician):
    add = reverse("admin:technicians_absence_add")
    today = timezone.localdate()
    data = form_data(
        supervisor_admin.get(add),
        technician=technician.pk,
        kind="leave",
        starts_on=(today + datetime.timedelta(days=5)).isoformat(),
        ends_on=(today + datetime.timedelta(days=3)).isoformat(),
    )
    response = supervisor_admin.post(add, data)
    assert response.status_code == 200
    assert errors_of(response)
    assert not Absence.objects.exists()
    assert not AuditEvent.objects.filter(action="absence.recorded").exists()


def test_admin_absence_delete_is_absence_cancel_and_edit_is_view_only(
    supervisor_admin, supervisor, technician
):
    from technicians import services

    today = timezone.localdate()
    absence, _affected = services.absence_create(
        actor=supervisor, technician=technician, kind="leave", starts_on=today, ends_on=today
    )
    change = reverse("admin:technicians_absence_change", args=[absence.pk])
    assert 'name="starts_on"' not in supervisor_admin.get(change).content.decode()
    assert supervisor_admin.post(change, {"kind": "sick"}).status_code == 403
    delete = reverse("admin:technicians_absence_delete", args=[absence.pk])
    assert supervisor_admin.post(delete, {"post": "yes"}).status_code == 302
    assert not Absence.objects.filter(pk=absence.pk).exists()
    [event] = AuditEvent.objects.filter(action="absence.cancelled", object_id=str(absence.pk))
    assert event.actor == supervisor_admin.user
    assert not AuditEvent.objects.filter(action="admin.deleted").exists()


def test_admin_absences_bulk_delete_cancels_each(supervisor_admin, supervisor, technician):
    from technicians import services

    today = timezone.localdate()
    ids = [
        services.absence_create(
            actor=supervisor,
            technician=technician,
            kind="leave",
            starts_on=today + datetime.timedelta(days=n),
            ends_on=today + datetime.timedelta(days=n),
        )[0].pk
        for n in (1, 2)
    ]
    response = supervisor_admin.post(
        reverse("admin:technicians_absence_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Absence.objects.exists()
    assert AuditEvent.objects.filter(action="absence.cancelled").count() == 2


def test_admin_certification_type_code_is_read_only(supervisor_admin):
    cert_type = CertificationTypeFactory(code="electrician", name="Electrician")
    url = reverse("admin:technicians_certificationtype_change", args=[cert_type.pk])
    page = supervisor_admin.get(url)
    assert 'name="code"' not in page.content.decode()
    response = supervisor_admin.post(url, form_data(page, code="forged", name="Electrician L2"))
    assert response.status_code == 302, errors_of(response)
    cert_type.refresh_from_db()
    assert (cert_type.code, cert_type.name) == ("electrician", "Electrician L2")
    [event] = AuditEvent.objects.filter(object_type="technicians.certificationtype")
    assert event.action == "certification_type.updated"
    assert event.changes == {"name": ["Electrician", "Electrician L2"]}


def test_admin_certification_type_create_goes_through_the_service(supervisor_admin):
    from tests.tickets.factories import ProductCategoryFactory

    category = ProductCategoryFactory(code="washer", name="Washers")
    add = reverse("admin:technicians_certificationtype_add")
    data = form_data(
        supervisor_admin.get(add),
        code="washer-tech",
        name="Washer technician",
        validity_months="24",
        categories=[category.pk],
    )
    assert supervisor_admin.post(add, data).status_code == 302
    cert_type = CertificationType.objects.get(code="washer-tech")
    assert list(cert_type.categories.values_list("code", flat=True)) == ["washer"]
    event = AuditEvent.objects.get(action="certification_type.created")
    assert event.changes["categories"] == ["washer"]


def test_admin_training_record_in_the_future_is_refused(supervisor_admin, technician):
    add = reverse("admin:technicians_trainingrecord_add")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = form_data(
        supervisor_admin.get(add),
        technician=technician.pk,
        course="Refrigerants",
        completed_on=tomorrow.isoformat(),
        theory_hours="8",
        practical_hours="4",
    )
    response = supervisor_admin.post(add, data)
    assert response.status_code == 200
    assert "future" in errors_of(response)
    assert not TrainingRecord.objects.exists()

    data["completed_on"] = timezone.localdate().isoformat()
    assert supervisor_admin.post(add, data).status_code == 302
    record = TrainingRecord.objects.get()
    assert record.recorded_by == supervisor_admin.user
    assert AuditEvent.objects.filter(action="training.recorded", source="admin").count() == 1


def test_admin_training_record_correction_goes_through_the_service(
    supervisor_admin, supervisor, technician
):
    from technicians import services

    record = services.training_record_create(
        actor=supervisor,
        technician=technician,
        course="Refrigernats",
        completed_on=timezone.localdate(),
        theory_hours=8,
    )
    url = reverse("admin:technicians_trainingrecord_change", args=[record.pk])
    data = form_data(supervisor_admin.get(url), course="Refrigerants")
    response = supervisor_admin.post(url, data)
    assert response.status_code == 302, errors_of(response)
    record.refresh_from_db()
    assert record.course == "Refrigerants"
    event = AuditEvent.objects.get(action="training.updated", object_id=str(record.pk))
    assert event.changes == {"course": ["Refrigernats", "Refrigerants"]}

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = form_data(supervisor_admin.get(url), completed_on=tomorrow.isoformat())
    assert supervisor_admin.post(url, data).status_code == 200
    record.refresh_from_db()
    assert record.completed_on == timezone.localdate()


def test_admin_certificate_dates_are_fixed_once_recorded(supervisor_admin, technician):
    certification = technician.certifications.get()
    url = reverse("admin:technicians_certification_change", args=[certification.pk])
    page = supervisor_admin.get(url)
    assert 'name="expires_on"' not in page.content.decode()
    later = certification.expires_on + datetime.timedelta(days=400)
    response = supervisor_admin.post(
        url, form_data(page, issuer="SAMR", expires_on=later.isoformat())
    )
    assert response.status_code == 302, errors_of(response)
    expires_on = certification.expires_on
    certification.refresh_from_db()
    assert (certification.issuer, certification.expires_on) == ("SAMR", expires_on)
    [event] = AuditEvent.objects.filter(object_type="technicians.certification")
    assert event.action == "certification.updated"


def test_admin_refused_delete_keeps_the_rows_and_says_why(
    supervisor_admin, supervisor, technician, monkeypatch
):
    from django.core.exceptions import ValidationError

    from technicians import services

    today = timezone.localdate()
    absences = [
        services.absence_create(
            actor=supervisor,
            technician=technician,
            kind="leave",
            starts_on=today + datetime.timedelta(days=n),
            ends_on=today + datetime.timedelta(days=n),
        )[0]
        for n in (1, 2)
    ]
    original = services.absence_cancel

    def cancel_first_only(*, absence, actor):
        if absence.pk == absences[1].pk:
            raise ValidationError("This absence is locked by payroll.")
        original(absence=absence, actor=actor)

    monkeypatch.setattr(services, "absence_cancel", cancel_first_only)
    delete = reverse("admin:technicians_absence_delete", args=[absences[1].pk])
    response = supervisor_admin.post(delete, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "locked by payroll" in " ".join(str(m) for m in response.context["messages"])
    bulk = supervisor_admin.post(
        reverse("admin:technicians_absence_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in absences], "post": "yes"},
        follow=True,
    )
    assert bulk.status_code == 200
    assert "locked by payroll" in " ".join(str(m) for m in bulk.context["messages"])
    assert Absence.objects.count() == 2  # all or nothing: the first one is back too
    assert not AuditEvent.objects.filter(action="absence.cancelled").exists()
