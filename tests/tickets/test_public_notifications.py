"""The customer's notices: at dispatch, at completion (the confirmation link), after close
(the survey link) — outbox rows by SMS and e-mail, in the customer's language."""

import pytest
from django.core import mail
from django.test import Client

from aftersales.platform.models import Notification
from tests.tickets.factories import CustomerFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.NOTIFICATION_CHANNELS = {
        "default": ["email"],
        "dispatch_notice": ["email", "sms"],
        "completion_notice": ["email", "sms"],
        "survey_invitation": ["email", "sms"],
    }
    settings.PUBLIC_SITE_URL = "https://service.example.com"


def _customer(technician, language):
    return CustomerFactory(
        email=f"{language}@example.com", language=language, area=technician.areas.first()
    )


def _rows(ticket, kind):
    rows = Notification.objects.filter(ticket=ticket, kind=kind).order_by("channel")
    return {row.channel: row for row in rows}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dispatch_notice_goes_by_sms_and_email_in_the_customers_language(
    ticket_in, technician, language
):
    ticket = ticket_in("dispatched", customer=_customer(technician, language))
    rows = _rows(ticket, "dispatch_notice")
    assert set(rows) == {"email", "sms"}
    email, sms = rows["email"], rows["sms"]
    assert (email.status, email.language, sms.status, sms.address) == (
        "pending",
        language,
        "pending",
        ticket.customer.phone,
    )
    assert technician.full_name in email.body and technician.employee_no in email.body
    assert "https://service.example.com/service/" in email.body
    assert sms.sms_params["employee_no"] == technician.employee_no
    if language == "zh-hans":
        assert "上门服务通知" in email.subject and "工作证" in email.body
        assert "上门时间" in email.body and "Visit window" not in email.body
    else:
        assert "Your technician visit" in email.subject
        assert "ask to see the technician's ID card" in email.body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_completion_sends_the_confirmation_link_that_opens_the_page(
    ticket_in, technician, language, deliver_notifications
):
    ticket = ticket_in("awaiting_confirmation", customer=_customer(technician, language))
    rows = _rows(ticket, "completion_notice")
    assert set(rows) == {"email", "sms"}
    link = rows["sms"].sms_params["link"]
    assert link.startswith(f"https://service.example.com/service/{ticket.number}/confirm/")
    assert link in rows["email"].body
    if language == "zh-hans":
        assert "请确认维修结果并评价" in rows["email"].subject
        assert "仅可使用一次" in rows["email"].body
    else:
        assert "Please confirm the work and rate it" in rows["email"].subject
        assert "The link works once" in rows["email"].body
    page = Client().get(link.removeprefix("https://service.example.com"))
    assert page.status_code == 200
    # Delivered, the timeline says the customer was told, once per channel.
    deliver_notifications()
    events = TicketEvent.objects.filter(ticket=ticket, action="notify_customer")
    assert events.filter(payload__template="completion").count() == 2
    assert [m.to for m in mail.outbox if "confirm" in m.body] == [[ticket.customer.email]]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_closing_sends_the_survey_link(ticket_in, technician, language):
    ticket = ticket_in("closed", customer=_customer(technician, language))
    rows = _rows(ticket, "survey_invitation")
    assert set(rows) == {"email", "sms"}
    link = rows["sms"].sms_params["link"]
    assert link.startswith(f"https://service.example.com/service/{ticket.number}/survey/")
    assert link in rows["email"].body
    subject = rows["email"].subject
    assert ("服务回访" in subject) if language == "zh-hans" else ("How did we do?" in subject)
    assert Client().get(link.removeprefix("https://service.example.com")).status_code == 200


def test_a_rejected_and_redone_job_sends_a_new_link(ticket_in, technician, supervisor):
    from tests.tickets.factories import appointment
    from tickets import services

    ticket = ticket_in("awaiting_confirmation", customer=_customer(technician, "en"))
    ticket = services.ticket_confirm(
        ticket=Ticket.objects.get(pk=ticket.pk), actor=None, accepted=False, comment="Leaks"
    )
    assert not _rows(ticket, "survey_invitation")  # a rejection closes nothing
    start, end = appointment(days=2)
    ticket = services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    ticket = services.ticket_check_in(ticket=ticket, actor=technician.user)
    services.ticket_complete(
        ticket=ticket,
        actor=technician.user,
        fault_class="hardware",
        fault_code="E5",
        diagnosis="Seal",
        work_done="Seal replaced",
        test_passed=True,
    )
    links = Notification.objects.filter(ticket=ticket, kind="completion_notice", channel="sms")
    assert links.count() == 2
    first, second = [row.sms_params["link"] for row in links.order_by("id")]
    assert first != second


def test_no_notice_without_consent(ticket_in, technician):
    customer = _customer(technician, "en")
    customer.consent_service = False
    customer.save(update_fields=["consent_service"])
    ticket = ticket_in("closed", customer=customer)
    assert not Notification.objects.filter(ticket=ticket).exists()
