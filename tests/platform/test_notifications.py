"""The notification layer: one outbox for every message, rendered in the recipient's
language, delivered after commit, retried, logged, readable on the ticket and the inbox."""

import datetime
import json
import urllib.parse

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from aftersales.platform import services
from aftersales.platform.models import Notification
from aftersales.platform.notifications.sms import aliyun_signature
from aftersales.platform.selectors import MANAGER, staff_to_notify
from aftersales.roles import Role
from tests.tickets.factories import (
    CertificationFactory,
    CustomerFactory,
    ProductFactory,
    appointment,
    make_ticket,
)
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _customer_notices_by_email(settings):
    """The delivery mechanics on one channel: the customer's notices by e-mail only (they
    go by SMS too by default; tests/tickets/test_public_notifications.py covers both)."""
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "dispatch_notice": ["email"],
        "completion_notice": ["email"],
        "survey_invitation": ["email"],
    }


H = datetime.timedelta(hours=1)


def _dispatched(agent, supervisor, technician, **customer):
    customer.setdefault("area", technician.areas.first())
    product = ProductFactory(customer=CustomerFactory(**customer))
    ticket = make_ticket(actor=agent, product=product)
    ticket = ticket_services.ticket_triage(
        ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
    )
    start, end = appointment()
    return ticket_services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


def _mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


# --- Every kind goes through the outbox, in the recipient's language -----------------------


def test_dispatch_notice_is_queued_with_the_booking_in_the_customers_language(
    agent, supervisor, technician, deliver_notifications
):
    ticket = _dispatched(
        agent, supervisor, technician, email="chen@example.com", language="zh-hans"
    )
    [row] = Notification.objects.filter(kind="dispatch_notice")
    assert (row.ticket_id, row.channel, row.status, row.language) == (
        ticket.pk,
        "email",
        "pending",
        "zh-hans",
    )
    assert mail.outbox == []  # queued, not sent: delivery waits for the commit
    assert deliver_notifications() == 1
    [message] = _mails_to("chen@example.com")
    assert "上门时间" in message.body and "维修人员" in message.body
    assert technician.full_name in message.body and technician.employee_no in message.body
    assert message.extra_headers["X-Aftersales-Notification"] == str(row.uuid)


def test_dispatch_notice_in_english_for_an_english_customer(
    agent, supervisor, technician, deliver_notifications
):
    _dispatched(agent, supervisor, technician, email="ann@example.com", language="en")
    deliver_notifications()
    [message] = _mails_to("ann@example.com")
    assert "Visit window" in message.body and "上门" not in message.body


def test_dispatch_notice_respects_withdrawn_consent(agent, supervisor, technician):
    _dispatched(agent, supervisor, technician, email="no@example.com", consent_service=False)
    assert not Notification.objects.filter(kind="dispatch_notice").exists()


def test_dispatch_notice_without_an_address_is_recorded_no_recipient(
    agent, supervisor, technician, deliver_notifications
):
    ticket = _dispatched(agent, supervisor, technician)  # the factory's customers: no e-mail
    [row] = Notification.objects.filter(ticket=ticket)
    assert (row.channel, row.status, row.attempts, row.next_attempt_at) == (
        "email",
        "no_recipient",
        0,
        None,
    )
    assert deliver_notifications() == 0 and mail.outbox == []


def test_sla_escalation_goes_through_the_outbox_in_each_recipients_language(
    agent, make_user, settings, deliver_notifications
):
    lead = make_user(Role.SUPERVISOR, email="lead@example.com")
    ticket = make_ticket(actor=agent)
    ticket_services.sla_sweep(now=ticket.created_at + 19 * H)  # the warning: level 1
    assert ticket_services.sla_notify_pending() == 1
    rows = Notification.objects.filter(kind="sla_escalation", ticket=ticket)
    assert {(r.recipient_key, r.channel) for r in rows} == {
        (f"user:{lead.pk}", "email"),
        (f"user:{lead.pk}", "inbox"),
        (f"user:{agent.pk}", "email"),  # the owner has no address: recorded, not sent
        (f"user:{agent.pk}", "inbox"),
    }
    assert rows.get(recipient_key=f"user:{agent.pk}", channel="email").status == "no_recipient"
    deliver_notifications()
    [message] = _mails_to("lead@example.com")
    assert message.subject == f"[{ticket.number}] SLA escalation level 1"
    assert "reached escalation level 1" in message.body
    assert "(New, priority P3 – normal)" in message.body  # labels, not codes

    settings.LANGUAGE_CODE = "zh-hans"  # users are told in the site's language
    ticket_services.sla_sweep(now=ticket.created_at + 25 * H)  # the breach: level 2
    ticket_services.sla_notify_pending()
    deliver_notifications()
    chinese = _mails_to("lead@example.com")[-1]
    assert chinese.subject == f"【{ticket.number}】时效升级第 2 级"
    assert "已升级至第 2 级" in chinese.body
    assert "（新建，优先级 P3 – 一般）" in chinese.body


def test_certificate_expiry_reminder_goes_through_the_outbox(
    supervisor, technician, deliver_notifications, settings
):
    from technicians import services as technician_services

    supervisor.email = "boss@example.com"
    supervisor.save()
    certificate = CertificationFactory(
        technician=technician, expires_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    technician_services.certification_expiry_sweep()
    rows = Notification.objects.filter(kind="certificate_expiry")
    assert {r.dedupe_key for r in rows} == {f"certificate-expiry:{certificate.pk}:30"}
    deliver_notifications()
    [message] = _mails_to("boss@example.com")
    assert certificate.number in message.subject and "expires in 30 days" in message.subject

    settings.LANGUAGE_CODE = "zh-hans"
    technician_services.certification_expiry_sweep(
        today=certificate.expires_on - datetime.timedelta(days=5)
    )
    deliver_notifications()
    assert "到期" in _mails_to("boss@example.com")[-1].body


def test_reorder_digest_goes_through_the_outbox_once_a_day(
    make_user, stock, warehouse, supervisor, deliver_notifications, settings
):
    from parts import services as parts_services
    from tests.parts.factories import PartFactory

    make_user(Role.SUPERVISOR, username="boss", email="boss@example.com")
    part = PartFactory(reorder_point=2, reorder_quantity=6)
    stock(part, warehouse, 1)
    settings.LANGUAGE_CODE = "zh-hans"
    assert parts_services.reorder_digest_send() == 1
    assert parts_services.reorder_digest_send() == 0  # today's digest is queued already
    deliver_notifications()
    [message] = _mails_to("boss@example.com")
    assert message.subject.startswith("库存预警") and part.sku in message.body


@pytest.fixture
def stock(supervisor):
    from parts import services as parts_services

    def put(part, location, quantity):
        return parts_services.stock_receive(
            part=part, location=location, quantity=quantity, actor=supervisor
        )

    return put


@pytest.fixture
def warehouse(db):
    from tests.parts.factories import LocationFactory

    return LocationFactory(code="WH-MAIN", kind="warehouse")


@pytest.fixture
def finding(supervisor, auditor, agent):
    from audits.quality import services as quality
    from tests.tickets.factories import TechnicianFactory
    from tickets.models import Ticket

    march = datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC)
    ticket = make_ticket(actor=agent)
    Ticket.objects.filter(pk=ticket.pk).update(
        status="closed", technician=TechnicianFactory(), closed_at=march, completed_at=march
    )
    audit = quality.quality_audit_create(
        actor=supervisor,
        title="March",
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
    )
    return quality.finding_open(
        audit=audit,
        sample=audit.samples.first(),
        actor=auditor,
        severity="major",
        description="Work order not signed",
    )


def test_corrective_action_escalation_goes_through_the_outbox(
    agent, auditor, finding, deliver_notifications
):
    from audits.quality import services as quality

    agent.email = "agent@example.com"
    agent.save()
    action = quality.corrective_action_create(
        finding=finding,
        actor=auditor,
        owner=agent,
        description="Retrain on sign-off",
        due_on=datetime.date(2026, 4, 1),
    )
    quality.corrective_actions_escalate_overdue(today=datetime.date(2026, 4, 2))
    deliver_notifications()
    [message] = _mails_to("agent@example.com")
    assert message.subject == f"Corrective action #{action.pk} overdue since 2026-04-01 (level 1)"
    assert message.body == "Retrain on sign-off"


# --- Delivery: claim, send outside the transaction, record; retries; idempotence -----------


def test_a_rolled_back_change_queues_and_sends_nothing(
    agent, supervisor, technician, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _dispatched(agent, supervisor, technician, email="chen@example.com")
        assert Notification.objects.filter(kind="dispatch_notice").count() == 1
        raise RuntimeError("the booking fails after the notice was queued")
    assert callbacks == []  # nothing was left to publish
    assert not Notification.objects.filter(kind="dispatch_notice").exists()
    assert mail.outbox == []


def test_delivery_is_idempotent_a_sent_row_is_never_sent_again(
    agent, supervisor, technician, settings
):
    settings.NOTIFICATION_CHANNELS = {"default": ["email"], "dispatch_notice": ["email"]}
    _dispatched(agent, supervisor, technician, email="chen@example.com")
    row = Notification.objects.get(kind="dispatch_notice")
    assert services.notification_deliver(notification_id=row.pk) is None
    assert services.notification_deliver(notification_id=row.pk) is None  # a redelivery
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, [a["outcome"] for a in row.attempts_log]) == (
        "sent",
        1,
        ["sent"],
    )
    # The redelivery sweep leaves it alone too.
    later = timezone.now() + datetime.timedelta(hours=1)
    assert services.notifications_redeliver_due(now=later) == 0


def test_a_claimed_row_is_left_to_the_worker_that_holds_it(agent, supervisor, technician):
    _dispatched(agent, supervisor, technician, email="chen@example.com")
    row = Notification.objects.get(kind="dispatch_notice")
    Notification.objects.filter(pk=row.pk).update(
        claimed_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert services.notification_deliver(notification_id=row.pk) is None
    assert mail.outbox == []


def test_a_failing_channel_is_retried_with_back_off_then_marked_failed(
    agent, supervisor, technician, settings
):
    settings.EMAIL_BACKEND = "tests.platform.backends.FailingBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30
    _dispatched(agent, supervisor, technician, email="chen@example.com")
    row = Notification.objects.get(kind="dispatch_notice")
    waits = []
    for _attempt in range(3):
        waits.append(services.notification_deliver(notification_id=row.pk))
        row.refresh_from_db()
        if row.status == "pending":
            # The retry is not due yet: an early delivery does nothing…
            assert services.notification_deliver(notification_id=row.pk) is None
            # …until its instant has come.
            Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert waits == [30, 60, None]  # exponential back-off, then final
    assert row.status == "failed" and row.next_attempt_at is None
    assert row.attempts == 3
    assert [a["outcome"] for a in row.attempts_log] == ["error", "error", "error"]
    assert all("SMTP server down" in a["error"] and a["at"] for a in row.attempts_log)
    assert row.last_error.startswith("ConnectionRefusedError")


def test_redelivery_sweep_republishes_overdue_pending_rows_in_batches(
    agent, supervisor, technician, settings
):
    for n in range(3):
        _dispatched(agent, supervisor, technician, email=f"c{n}@example.com")
    overdue = timezone.now() - datetime.timedelta(minutes=10)
    Notification.objects.update(next_attempt_at=overdue)
    now = timezone.now()
    assert services.notifications_redeliver_due(now=now, batch_size=2) == 3
    assert set(Notification.objects.values_list("next_attempt_at", flat=True)) == {now}
    assert services.notifications_redeliver_due(now=now) == 0  # within the grace period


def test_beat_runs_the_redelivery_sweep_and_the_sla_notifications(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert (
        schedule["notifications-redeliver"]["task"]
        == "aftersales.platform.tasks.notifications_redeliver_due_task"
    )
    assert schedule["sla-notify"]["task"] == "tickets.tasks.sla_notify_task"


# --- SMS: the China-style gateway -----------------------------------------------------------


@pytest.fixture
def aliyun(settings, receiver):
    url, received, codes = receiver
    settings.SMS_GATEWAY = "aliyun"
    settings.SMS_ENDPOINT = url
    settings.SMS_ACCESS_KEY_ID = "test-key"
    settings.SMS_ACCESS_KEY_SECRET = "test-secret"
    settings.SMS_SIGN_NAME = "售后服务"
    settings.SMS_TEMPLATES = {"dispatch_notice": "SMS_270123"}
    settings.NOTIFICATION_CHANNELS = {"default": ["email"], "dispatch_notice": ["sms"]}
    return received, codes


def _ok(biz_id="900"):
    return 200, json.dumps({"Code": "OK", "Message": "OK", "BizId": biz_id}).encode()


def test_sms_gateway_posts_the_approved_template_and_its_parameters_signed(
    agent, supervisor, technician, aliyun
):
    received, codes = aliyun
    codes.append(_ok("biz-1"))
    ticket = _dispatched(agent, supervisor, technician, language="zh-hans")
    row = Notification.objects.get(kind="dispatch_notice", channel="sms")
    assert row.address == ticket.customer.phone
    services.notification_deliver(notification_id=row.pk)

    [(headers, body)] = received
    form = dict(urllib.parse.parse_qsl(body.decode()))
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (form["Action"], form["TemplateCode"], form["PhoneNumbers"]) == (
        "SendSms",
        "SMS_270123",
        ticket.customer.phone,
    )
    assert form["SignName"] == "售后服务" and form["OutId"] == str(row.uuid)
    params = json.loads(form["TemplateParam"])
    assert params["technician"] == technician.full_name
    assert params["employee_no"] == technician.employee_no and params["ticket"] == ticket.number
    signature = form.pop("Signature")
    assert signature == aliyun_signature(form, "test-secret")
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts_log[-1]["reference"] == "biz-1"


def test_sms_gateway_errors_are_retried_and_refusals_are_final(
    agent, supervisor, technician, aliyun, settings
):
    received, codes = aliyun
    codes.extend([500, (200, b'{"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "slow"}')])
    _dispatched(agent, supervisor, technician)
    row = Notification.objects.get(kind="dispatch_notice", channel="sms")
    for _ in range(2):
        assert services.notification_deliver(notification_id=row.pk) is not None
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    codes.append((200, b'{"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad"}'))
    assert services.notification_deliver(notification_id=row.pk) is None
    row.refresh_from_db()
    assert [a["outcome"] for a in row.attempts_log] == ["error", "error", "refused"]
    assert row.status == "failed" and "MOBILE_NUMBER_ILLEGAL" in row.last_error
    assert len(received) == 3


def test_sms_without_an_approved_template_is_refused_not_sent(
    agent, supervisor, technician, aliyun, settings
):
    received, _codes = aliyun
    settings.SMS_TEMPLATES = {}
    _dispatched(agent, supervisor, technician)
    row = Notification.objects.get(kind="dispatch_notice", channel="sms")
    services.notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and "no SMS template" in row.last_error
    assert received == []


def test_logging_sms_gateway_is_the_default(agent, supervisor, technician, settings, caplog):
    settings.NOTIFICATION_CHANNELS = {"default": ["email"], "dispatch_notice": ["sms"]}
    _dispatched(agent, supervisor, technician)
    row = Notification.objects.get(kind="dispatch_notice", channel="sms")
    with caplog.at_level("INFO", logger="aftersales.platform.notifications.sms"):
        services.notification_deliver(notification_id=row.pk)
    assert str(row.uuid) in caplog.text and technician.employee_no in caplog.text


# --- Who is told -----------------------------------------------------------------------------


def test_staff_to_notify_answers_supervisors_for_every_area_and_managers(make_user, settings):
    lead = make_user(Role.SUPERVISOR, email="lead@example.com")
    make_user(Role.SUPERVISOR, is_active=False)
    make_user(Role.AGENT, email="desk@example.com")
    assert staff_to_notify(role=Role.SUPERVISOR) == [lead]
    assert staff_to_notify(role=Role.SUPERVISOR, area_id=123) == [lead]
    settings.SLA_MANAGER_EMAILS = []
    assert staff_to_notify(role=MANAGER) == [lead]
    settings.SLA_MANAGER_EMAILS = ["gm@example.com"]
    assert [r.email for r in staff_to_notify(role=MANAGER)] == ["gm@example.com"]


def test_customer_erasure_redacts_their_messages(agent, supervisor, technician):
    ticket = _dispatched(agent, supervisor, technician, email="chen@example.com")
    ticket_services.customer_erase(customer=ticket.customer, actor=supervisor, reason="asked")
    row = Notification.objects.get(kind="dispatch_notice")
    assert (row.address, row.body, row.recipient_name, row.status) == ("", "", "", "no_recipient")
