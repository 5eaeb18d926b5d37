"""Notifications through a real broker and worker: after commit, never inside a
transaction, once — also when the broker was down at commit or the worker was away."""

import contextlib
import datetime
import json
import shutil
import subprocess
import time

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from aftersales.platform import services
from aftersales.platform.models import Notification
from tests.conftest import wait_for
from tests.tickets.factories import CustomerFactory, ProductFactory, appointment, make_ticket
from tickets import services as ticket_services
from tickets.models import TicketEvent

from . import backends


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


PRIVATE_BROKER_PORT = 6391


def _triaged(agent, technician, **customer):
    customer.setdefault("area", technician.areas.first())
    product = ProductFactory(customer=CustomerFactory(**customer))
    ticket = make_ticket(actor=agent, product=product)
    return ticket_services.ticket_triage(
        ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
    )


def _dispatch_by_api(client, ticket, technician):
    start, end = appointment()
    body = {
        "technician": technician.pk,
        "appointment_start": start.isoformat(),
        "appointment_end": end.isoformat(),
    }
    return client.post(f"/api/v1/tickets/{ticket.pk}/dispatch/", body, format="json")


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused():
    with pytest.raises(AssertionError):
        services.notify(kind="sla_escalation", recipients=["x@example.com"], context={})


@pytest.mark.broker
def test_the_worker_never_sends_inside_a_transaction_and_the_timeline_records_it(
    worker, agent, supervisor_client, technician, settings
):
    settings.EMAIL_BACKEND = "tests.platform.backends.NoTransactionBackend"
    backends.SENT_IN_TRANSACTION.clear()
    ticket = _triaged(agent, technician, email="chen@example.com", language="zh-hans")
    response = _dispatch_by_api(supervisor_client, ticket, technician)
    assert response.status_code == 200, response.data
    assert wait_for(lambda: len(mail.outbox) == 1), "the notice never arrived"
    assert backends.SENT_IN_TRANSACTION == []
    assert "上门时间" in mail.outbox[0].body
    assert wait_for(
        lambda: TicketEvent.objects.filter(ticket=ticket, action="notify_customer").exists()
    )
    row = Notification.objects.get(kind="dispatch_notice")
    assert row.status == "sent" and row.attempts == 1


@pytest.mark.broker
def test_a_failed_channel_is_retried_by_the_worker_with_back_off(
    worker, agent, supervisor, technician, settings, receiver
):
    url, received, codes = receiver
    settings.SMS_GATEWAY = "aliyun"
    settings.SMS_ENDPOINT = url
    settings.SMS_TEMPLATES = {"dispatch_notice": "SMS_1"}
    settings.NOTIFICATION_CHANNELS = {"default": ["email"], "dispatch_notice": ["sms"]}
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 0.2
    codes.extend([503, 502, (200, json.dumps({"Code": "OK", "BizId": "b"}).encode())])
    ticket = _triaged(agent, technician)
    start, end = appointment()
    ticket_services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    assert wait_for(lambda: Notification.objects.get(kind="dispatch_notice").status == "sent")
    row = Notification.objects.get(kind="dispatch_notice")
    assert [a["outcome"] for a in row.attempts_log] == ["error", "error", "sent"]
    assert row.attempts_log[0]["error"].endswith("HTTP 503")
    assert len(received) == 3


# --- The broker down at commit, the worker away ------------------------------------------


class PrivateBroker:
    """A redis-server of its own on 127.0.0.1:6391, which the test may stop and restart."""

    def __init__(self, port):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(self._answers, timeout=10), "the private redis-server did not start"

    def stop(self):
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        assert wait_for(lambda: not self._answers(), timeout=10)

    def _answers(self):
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
        )
        return done.stdout.strip() == b"PONG"


def _use_broker(app, url):
    app.conf.broker_url = url
    app._pool = None  # the next publish opens a pool for ``url``
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(transactional_db):
    """Celery pointed at a private Redis the test can stop (never the shared one)."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    from aftersales.celery import app

    broker = PrivateBroker(PRIVATE_BROKER_PORT)
    broker.stop()  # a leftover of an interrupted run
    broker.start()
    previous = app.conf.broker_url
    _use_broker(app, broker.url)
    app.control.purge()
    yield broker
    _use_broker(app, previous)
    broker.stop()


def _time_passes(minutes=10):
    """The pending rows' attempts were due ``minutes`` ago (what the sweep looks for)."""
    Notification.objects.filter(status="pending").update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


@contextlib.contextmanager
def _worker_on(broker):
    from celery.contrib.testing.worker import start_worker

    from aftersales.celery import app

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


@pytest.mark.broker
def test_broker_down_at_commit_the_notice_is_delivered_once_after_it_returns(
    private_broker, agent, supervisor_client, technician
):
    ticket = _triaged(agent, technician, email="chen@example.com")
    private_broker.stop()
    response = _dispatch_by_api(supervisor_client, ticket, technician)
    assert response.status_code == 200, response.data  # the booking does not need Redis
    row = Notification.objects.get(kind="dispatch_notice")
    assert (row.status, row.attempts) == ("pending", 0)

    private_broker.start()
    with _worker_on(private_broker):
        # Beat's sweep, once the row's attempt is overdue, publishes it again.
        _time_passes()
        assert services.notifications_redeliver_due() == 1
        assert wait_for(lambda: len(mail.outbox) == 1), "the notice never arrived"
        _time_passes()
        assert services.notifications_redeliver_due() == 0  # sent: nothing to republish
        time.sleep(1)
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


@pytest.mark.broker
def test_worker_away_and_a_doubled_message_still_deliver_once(
    private_broker, agent, supervisor, technician
):
    ticket = _triaged(agent, technician, email="chen@example.com")
    start, end = appointment()
    with transaction.atomic():
        ticket_services.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
        )
    # No worker yet: the message waits in the broker, and the sweep adds a second one.
    _time_passes()
    assert services.notifications_redeliver_due() == 1
    with _worker_on(private_broker):
        assert wait_for(lambda: len(mail.outbox) == 1), "the notice never arrived"
        time.sleep(1.5)  # the second message is consumed too, and sends nothing
    assert len(mail.outbox) == 1
    assert Notification.objects.get(kind="dispatch_notice").attempts == 1
