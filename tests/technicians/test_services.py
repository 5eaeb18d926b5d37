"""Qualified dispatch (持证上岗): every reason against a technician refuses the booking."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import NotQualified
from audits.models import AuditEvent
from technicians import services
from technicians.choices import CertificationStatus
from technicians.eligibility import EligibilityFacts, eligibility_reasons
from technicians.models import Certification
from tests.tickets.factories import (
    AreaFactory,
    CertificationFactory,
    CertificationTypeFactory,
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tickets import services as tickets
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)  # a Monday


class Tech:
    active = True
    max_jobs_per_day = 2
    working_days = "12345"


def facts(**overrides):
    values = {"covers_area": True, "certified": True, "absent": False, "booked": 0}
    return EligibilityFacts(**{**values, "training_compliant": True, **overrides})


def test_eligibility_reasons_is_empty_for_a_free_certified_local_technician():
    assert eligibility_reasons(technician=Tech(), day=TODAY, facts=facts()) == []


def test_eligibility_reasons_lists_every_reason_in_order():
    tech = Tech()
    tech.active = False
    saturday = TODAY + datetime.timedelta(days=5)
    reasons = eligibility_reasons(
        technician=tech,
        day=saturday,
        facts=facts(
            covers_area=False, certified=False, absent=True, booked=2, training_compliant=False
        ),
        training_blocks=True,
    )
    assert reasons == [
        "inactive",
        "not_certified",
        "area_not_covered",
        "not_working_day",
        "absent",
        "day_full",
        "training_incomplete",
    ]


def test_incomplete_training_only_blocks_when_the_setting_says_so():
    assert (
        eligibility_reasons(technician=Tech(), day=TODAY, facts=facts(training_compliant=False))
        == []
    )


# --- through the dispatch service ---------------------------------------------------------


@pytest.fixture
def aircon_ticket(agent):
    """A triaged ticket for an air conditioner in Pudong."""
    area = AreaFactory(code="pudong")
    product = ProductFactory(customer=CustomerFactory(area=area), model=ProductModelFactory())
    ticket = make_ticket(actor=agent, product=product)
    return tickets.ticket_triage(
        ticket=ticket, actor=agent, priority="p3", warranty_decision="in_warranty"
    )


def _dispatch(ticket, supervisor, technician, *, days=1, hour=10):
    start, end = appointment(days=days, hour=hour, hours=2)
    return tickets.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


def _refused(ticket, supervisor, technician, **kwargs):
    with pytest.raises(NotQualified) as refused:
        _dispatch(ticket, supervisor, technician, **kwargs)
    assert Ticket.objects.get(pk=ticket.pk).status == "triaged"
    return refused.value.extra["reasons"]


def test_ticket_dispatch_books_a_qualified_technician(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")])
    assert _dispatch(aircon_ticket, supervisor, technician).technician == technician


def test_ticket_dispatch_refuses_a_technician_certified_for_another_category(
    aircon_ticket, supervisor
):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")], certified_for=["washer"])
    assert _refused(aircon_ticket, supervisor, technician) == ["not_certified"]


def test_ticket_dispatch_refuses_an_uncertified_technician_even_without_a_product(
    agent, supervisor
):
    area = AreaFactory(code="pudong")
    ticket = tickets.ticket_triage(
        ticket=make_ticket(actor=agent, customer=CustomerFactory(area=area)),
        actor=agent,
        priority="p3",
        warranty_decision="out_of_warranty",
    )
    technician = TechnicianFactory(areas=[area], certified_for=[])
    assert _refused(ticket, supervisor, technician) == ["not_certified"]


def test_ticket_dispatch_refuses_expired_certificate(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")], certified_for=[])
    CertificationFactory(
        technician=technician,
        type=CertificationTypeFactory.for_category("aircon"),
        issued_on=timezone.localdate() - datetime.timedelta(days=800),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert _refused(aircon_ticket, supervisor, technician) == ["not_certified"]


def test_ticket_dispatch_refuses_certificate_valid_today_but_expired_on_the_appointment_day(
    aircon_ticket, supervisor
):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")], certified_for=[])
    certificate = CertificationFactory(
        technician=technician,
        type=CertificationTypeFactory.for_category("aircon"),
        expires_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    assert certificate.status_on(timezone.localdate()) == CertificationStatus.EXPIRING
    assert _refused(aircon_ticket, supervisor, technician, days=3) == ["not_certified"]
    # The day before it lapses is still fine.
    assert _dispatch(aircon_ticket, supervisor, technician, days=2).status == "dispatched"


def test_ticket_dispatch_refuses_a_revoked_certificate(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")])
    services.certification_revoke(
        certification=technician.certifications.get(), actor=supervisor, reason="Forged"
    )
    assert _refused(aircon_ticket, supervisor, technician) == ["not_certified"]


def test_ticket_dispatch_refuses_a_technician_outside_the_area(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="xuhui", name="Xuhui")])
    assert _refused(aircon_ticket, supervisor, technician) == ["area_not_covered"]


def test_ticket_dispatch_refuses_an_inactive_technician(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")], active=False)
    assert _refused(aircon_ticket, supervisor, technician) == ["inactive"]


def test_ticket_dispatch_refuses_an_absent_technician(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.absence_create(
        actor=supervisor, technician=technician, kind="sick", starts_on=tomorrow, ends_on=tomorrow
    )
    assert _refused(aircon_ticket, supervisor, technician) == ["absent"]
    assert _dispatch(aircon_ticket, supervisor, technician, days=2).status == "dispatched"


def test_ticket_dispatch_refuses_a_day_off(aircon_ticket, supervisor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    others = "".join(d for d in "1234567" if d != str(tomorrow.isoweekday()))
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")], working_days=others)
    assert _refused(aircon_ticket, supervisor, technician) == ["not_working_day"]


def test_ticket_dispatch_refuses_a_full_day(aircon_ticket, agent, supervisor):
    area = AreaFactory(code="pudong")
    technician = TechnicianFactory(areas=[area], max_jobs_per_day=1)
    other = tickets.ticket_triage(
        ticket=make_ticket(actor=agent, customer=CustomerFactory(area=area)),
        actor=agent,
        priority="p3",
        warranty_decision="out_of_warranty",
    )
    _dispatch(other, supervisor, technician, hour=8)
    assert _refused(aircon_ticket, supervisor, technician, hour=14) == ["day_full"]


def test_ticket_dispatch_refuses_incomplete_training_when_the_setting_blocks(
    aircon_ticket, supervisor, settings
):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")])
    settings.TRAINING_BLOCKS_DISPATCH = True
    assert _refused(aircon_ticket, supervisor, technician) == ["training_incomplete"]
    services.training_record_create(
        actor=supervisor,
        technician=technician,
        course="Refrigerant handling",
        completed_on=timezone.localdate() - datetime.timedelta(days=30),
        theory_hours=20,
        practical_hours=10,
        score=91,
    )
    assert _dispatch(aircon_ticket, supervisor, technician).status == "dispatched"


def test_ticket_reschedule_rechecks_the_new_technician(aircon_ticket, supervisor):
    area = AreaFactory(code="pudong")
    ticket = _dispatch(aircon_ticket, supervisor, TechnicianFactory(areas=[area]))
    washer_only = TechnicianFactory(areas=[area], certified_for=["washer"])
    start, end = appointment(days=2)
    with pytest.raises(NotQualified) as refused:
        tickets.ticket_reschedule(
            ticket=ticket,
            actor=supervisor,
            technician=washer_only,
            appointment_start=start,
            appointment_end=end,
            reason="customer asked",
        )
    assert refused.value.extra["reasons"] == ["not_certified"]


# --- certificates ---------------------------------------------------------------------------


def test_certification_create_defaults_expiry_to_the_type_validity(supervisor, technician):
    cert_type = CertificationTypeFactory(code="electrician", validity_months=36)
    certificate = services.certification_create(
        actor=supervisor,
        technician=technician,
        type=cert_type,
        number="E-1",
        issued_on=datetime.date(2025, 8, 31),
    )
    assert certificate.expires_on == datetime.date(2028, 8, 31)
    assert certificate.verified_by == supervisor
    event = AuditEvent.objects.get(action="certification.created", object_id=str(certificate.pk))
    assert event.changes["expires_on"] == "2028-08-31"


def test_certification_create_refuses_expiry_beyond_validity_and_duplicates(supervisor, technician):
    cert_type = CertificationTypeFactory(code="electrician", validity_months=12)
    issued = timezone.localdate() - datetime.timedelta(days=10)
    with pytest.raises(ValidationError) as error:
        services.certification_create(
            actor=supervisor,
            technician=technician,
            type=cert_type,
            number="E-2",
            issued_on=issued,
            expires_on=issued + datetime.timedelta(days=800),
        )
    assert "expires_on" in error.value.message_dict
    services.certification_create(
        actor=supervisor, technician=technician, type=cert_type, number="E-2", issued_on=issued
    )
    with pytest.raises(ValidationError) as error:
        services.certification_create(
            actor=supervisor, technician=technician, type=cert_type, number="E-2", issued_on=issued
        )
    assert "number" in error.value.message_dict


def test_certification_update_refuses_dates(supervisor, technician):
    certificate = technician.certifications.get()
    with pytest.raises(ValidationError) as error:
        services.certification_update(
            certification=certificate, actor=supervisor, expires_on=datetime.date(2040, 1, 1)
        )
    assert "expires_on" in error.value.message_dict
    certificate.refresh_from_db()
    assert certificate.expires_on < datetime.date(2040, 1, 1)


def test_certification_revoke_needs_a_reason_and_is_final(supervisor, technician):
    certificate = technician.certifications.get()
    with pytest.raises(ValidationError):
        services.certification_revoke(certification=certificate, actor=supervisor, reason=" ")
    services.certification_revoke(certification=certificate, actor=supervisor, reason="Forged")
    certificate.refresh_from_db()
    assert certificate.status == CertificationStatus.REVOKED
    with pytest.raises(ValidationError):
        services.certification_revoke(certification=certificate, actor=supervisor, reason="again")


# --- the expiry sweep ---------------------------------------------------------------------


def _certificate_expiring_in(days, technician):
    return CertificationFactory(
        technician=technician,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
    )


def test_expiry_sweep_sends_each_reminder_once_not_daily(
    supervisor, technician, django_capture_on_commit_callbacks, deliver_notifications
):
    supervisor.email = "boss@example.com"
    supervisor.save()
    technician.user.email = "tech1@example.com"
    technician.user.save()
    certificate = _certificate_expiring_in(30, technician)
    today = timezone.localdate()

    def sweep(day):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            result = services.certification_expiry_sweep(today=day)
        return result, len(queued)

    assert sweep(today) == ((1, 1), 1)  # valid → expiring, the 30-day reminder
    assert sweep(today) == ((0, 0), 0)  # the next run the same day
    assert sweep(today + datetime.timedelta(days=1)) == ((0, 0), 0)  # and the next day
    assert sweep(today + datetime.timedelta(days=23)) == ((0, 1), 1)  # 7 days left
    assert sweep(today + datetime.timedelta(days=24)) == ((0, 0), 0)
    assert sweep(today + datetime.timedelta(days=31)) == ((1, 0), 0)  # now expired
    assert sweep(today + datetime.timedelta(days=32)) == ((0, 0), 0)
    certificate.refresh_from_db()
    assert certificate.status == CertificationStatus.EXPIRED
    assert (certificate.notified_30_on, certificate.notified_7_on) == (
        today,
        today + datetime.timedelta(days=23),
    )
    recipients = services.certification_notify_expiry(certification_id=certificate.pk, days=7)
    assert recipients == ["boss@example.com", "tech1@example.com"]
    deliver_notifications()  # the outbox's worker, after the commits above
    assert certificate.number in mail.outbox[0].subject
    assert certificate.expires_on.isoformat() in mail.outbox[0].body


def test_expiry_sweep_sends_one_reminder_for_a_late_start(
    technician, django_capture_on_commit_callbacks
):
    certificate = _certificate_expiring_in(5, technician)
    Certification.objects.filter(pk=certificate.pk).update(notified_30_on=None)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.certification_expiry_sweep(today=timezone.localdate())
    assert len(queued) == 1
    certificate.refresh_from_db()
    assert certificate.notified_7_on == certificate.notified_30_on == timezone.localdate()


def test_absence_create_returns_the_jobs_to_reschedule(aircon_ticket, supervisor):
    technician = TechnicianFactory(areas=[AreaFactory(code="pudong")])
    ticket = _dispatch(aircon_ticket, supervisor, technician)
    day = timezone.localtime(ticket.appointment_start).date()
    absence, affected = services.absence_create(
        actor=supervisor, technician=technician, kind="leave", starts_on=day, ends_on=day
    )
    assert affected == [ticket.number]
    with pytest.raises(ValidationError):
        services.absence_create(
            actor=supervisor,
            technician=technician,
            kind="leave",
            starts_on=day,
            ends_on=day - datetime.timedelta(days=1),
        )
    services.absence_cancel(absence=absence, actor=supervisor)
    assert AuditEvent.objects.filter(action="absence.cancelled").count() == 1


def test_technician_update_records_before_and_after(supervisor, technician):
    services.technician_update(
        technician=technician,
        actor=supervisor,
        max_jobs_per_day=3,
        working_days="123",
        areas=[AreaFactory(code="xuhui", name="Xuhui")],
    )
    event = AuditEvent.objects.get(action="technician.updated")
    assert event.changes["max_jobs_per_day"] == [6, 3]
    assert event.changes["working_days"] == ["1234567", "123"]
    assert event.changes["areas"] == [["pudong"], ["xuhui"]]
