"""Webhooks: subscribed events are recorded with the change, signed, retried, logged."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.platform import services
from aftersales.platform.models import WebhookDelivery
from tests.tickets.factories import make_ticket
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

SECRET = "s3cret-s3cret-s3cret"


def _hook(user, url="https://example.com/hook", events=("ticket.created",)):
    return services.webhook_create(actor=user, url=url, events=list(events), secret=SECRET)


def test_ticket_created_and_status_changed_are_recorded_for_subscribers_only(integrator, agent):
    hook = _hook(integrator, events=["ticket.created", "ticket.status_changed"])
    _hook(integrator, events=["sla.breached"])
    ticket = make_ticket(actor=agent)
    ticket_services.ticket_triage(ticket=ticket, actor=agent, priority="p2")
    ticket_services.ticket_contact(ticket=ticket, actor=agent, via="phone", note="called back")

    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [(d.webhook_id, d.event) for d in deliveries] == [
        (hook.pk, "ticket.created"),
        (hook.pk, "ticket.status_changed"),  # the contact changed no status: nothing sent
    ]
    created, changed = (d.payload for d in deliveries)
    assert created["number"] == ticket.number and created["status"] == "new"
    assert (changed["from_status"], changed["status"], changed["action"]) == (
        "new",
        "triaged",
        "triage",
    )
    assert "phone" not in json.dumps(created)  # no personal data leaves


def test_a_rolled_back_change_announces_nothing(integrator, agent):
    _hook(integrator)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(actor=agent)
        raise RuntimeError("intake failed later")
    assert not WebhookDelivery.objects.exists()


def test_sla_marks_of_the_sweep_are_sent(integrator, agent):
    _hook(integrator, events=["sla.warning", "sla.breached"])
    ticket = make_ticket(actor=agent)
    ticket_services.sla_sweep(now=ticket.response_due_at + datetime.timedelta(minutes=1))
    events = sorted(WebhookDelivery.objects.values_list("event", "payload__clock"))
    assert ("sla.breached", "response") in events and ("sla.warning", "response") in events


def _sweep_queries(at):
    with CaptureQueriesContext(connection) as captured:
        ticket_services.sla_sweep(now=at)
    return len(captured)


def test_the_sweep_reads_each_ticket_once_whatever_it_marks(integrator, agent):
    """The sweep reads only ``SWEEP_FIELDS`` of the due tickets: a field it uses beyond
    them (its clocks, the webhook's codes) would cost a query per ticket, so a sweep of
    six tickets must cost what a sweep of two does, and the payloads carry the codes."""
    _hook(integrator, events=["sla.warning", "sla.breached"])
    few = [make_ticket(actor=agent) for _ in range(2)]
    at = max(t.response_due_at for t in few) + datetime.timedelta(minutes=1)
    queries_for_two = _sweep_queries(at)
    many = [make_ticket(actor=agent) for _ in range(6)]
    assert _sweep_queries(max(t.response_due_at for t in many) + datetime.timedelta(minutes=1)) == (
        queries_for_two
    )
    payloads = {d.payload["ticket"]: d.payload for d in WebhookDelivery.objects.all()}
    for ticket in [*few, *many]:
        assert payloads[ticket.pk] | {"clock": None, "at": None} == {
            "ticket": ticket.pk, "number": ticket.number, "status": ticket.status,
            "category": ticket.category, "priority": ticket.priority,
            "customer": ticket.customer_id, "product": ticket.product_id,
            "clock": None, "at": None,
        }  # fmt: skip


def test_delivery_is_signed_retried_with_back_off_and_every_attempt_logged(
    integrator, agent, receiver, settings
):
    url, received, codes = receiver
    _hook(integrator, url=url)
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get()
    codes.append(500)

    assert services.webhook_deliver(delivery_id=delivery.pk) == 30  # retry in 30 s
    assert services.webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [a["status_code"] for a in delivery.attempts_log] == [500, 200]
    headers, body = received[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected
    assert json.loads(body)["event"] == "ticket.created"
    assert services.webhook_deliver(delivery_id=delivery.pk) is None  # done: not sent again
    assert len(received) == 2


def test_delivery_fails_for_good_after_the_last_attempt(integrator, agent, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    url, _received, codes = receiver
    _hook(integrator, url=url)
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get()
    codes.extend([503, 503])
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30
    assert services.webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)


def test_an_unreachable_receiver_is_logged_not_raised(integrator, agent):
    _hook(integrator, url="http://127.0.0.1:9/nothing-listens")
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get()
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert delivery.attempts_log[0]["status_code"] is None
    assert delivery.attempts_log[0]["error"]


def test_a_non_http_url_written_around_the_service_is_never_opened(integrator, agent, tmp_path):
    """bandit B310: urlopen would read file: and ftp: URLs; only http(s) is ever opened."""
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("not for webhooks")
    hook = _hook(integrator)
    type(hook).objects.filter(pk=hook.pk).update(url=secret_file.as_uri())
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get()
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert delivery.attempts_log[0]["status_code"] is None
    assert delivery.attempts_log[0]["error"] == "refused: bad_url"


def test_webhooks_api_roles_validation_and_deactivation(
    integrator_client, supervisor_client, agent_client, make_user
):
    from aftersales.roles import Role
    from tests.conftest import _client_for

    body = {"url": "https://shop.example.com/hook", "events": ["ticket.created"], "secret": SECRET}
    created = integrator_client.post("/api/v1/webhooks/", body, format="json")
    assert created.status_code == 201, created.data
    assert "secret" not in created.data
    url = f"/api/v1/webhooks/{created.data['id']}/"
    bad = integrator_client.post(
        "/api/v1/webhooks/",
        {"url": "ftp://x", "events": ["ticket.deleted"], "secret": "short"},
        format="json",
    )
    assert bad.status_code == 400 and {"url", "events", "secret"} <= set(bad.data)
    assert agent_client.get("/api/v1/webhooks/").status_code == 403
    other = _client_for(make_user(Role.INTEGRATOR, username="other-shop"))
    assert other.get(url).status_code == 404
    assert supervisor_client.get(url).status_code == 200
    assert integrator_client.get(url + "deliveries/").data["results"] == []
    assert integrator_client.delete(url).status_code == 204
    assert integrator_client.get(url).data["active"] is False


def test_a_delivery_another_worker_is_posting_is_left_alone(integrator, agent, receiver):
    """Two workers handed the same delivery (the sweep and a retry) POST it once; a claim
    left by a killed worker expires and the delivery goes out then."""
    url, received, _codes = receiver
    _hook(integrator, url=url)
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get()
    later = timezone.now() + datetime.timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=later)
    assert services.webhook_deliver(delivery_id=delivery.pk) is None
    assert received == []
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.webhook_deliver(delivery_id=delivery.pk) is None
    assert services.webhook_deliver(delivery_id=delivery.pk) is None  # done: no second POST
    assert len(received) == 1
    delivered = WebhookDelivery.objects.get()
    assert (delivered.status, delivered.attempts, delivered.claimed_until) == ("delivered", 1, None)
