"""Redis stopped for real: writes, sign-in and the dashboard answer 2xx, nothing saved
answers 5xx, and what waited for the broker is published once it is back (issue 12 §1).

A private redis-server on its own port stands in for the cache and the broker, so that
stopping it disturbs neither the suite's Redis nor anyone else's.
"""

import shutil
import subprocess
import time

import pytest
from celery import Celery
from django.utils import timezone

from aftersales.platform import queue, services
from aftersales.platform.models import WebhookDelivery
from tests.tickets.factories import CustomerFactory
from tickets.models import Ticket

PORT = 6395
URL = f"redis://127.0.0.1:{PORT}/0"
pytestmark = pytest.mark.django_db


def _redis(*args):
    return subprocess.run(["redis-cli", "-p", str(PORT), *args], capture_output=True, text=True)


class PrivateRedis:
    def start(self):
        subprocess.run(
            ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--dir", "/tmp"],
            check=True, capture_output=True,
        )  # fmt: skip
        for _ in range(50):
            if _redis("ping").stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        _redis("shutdown", "nosave")
        for _ in range(50):
            if _redis("ping").returncode != 0:
                return
            time.sleep(0.1)

    def queued(self):
        return int(_redis("llen", "celery").stdout.strip() or 0)


@pytest.fixture
def redis(settings, monkeypatch):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the outage tests")
    server = PrivateRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3,
                        "IGNORE_EXCEPTIONS": True},
        }
    }  # fmt: skip
    broker = Celery("outage", broker=URL, set_as_current=False)
    broker.conf.update(broker_connection_timeout=0.5, task_publish_retry=False)
    monkeypatch.setattr(queue, "current_app", broker)
    yield server
    server.stop()


def test_with_redis_stopped_the_write_api_answers_and_saves(redis, agent, agent_client, client):
    customer = CustomerFactory()
    redis.stop()
    created = agent_client.post(
        "/api/v1/tickets/",
        {"customer": customer.pk, "channel": "web", "category": "repair", "description": "Leak"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.data["id"]
    for action, body in [
        ("triage", {"priority": "p2", "warranty_decision": "out_of_warranty"}),
        ("contact", {"note": "Called back", "via": "phone"}),
        ("pause", {"reason": "Customer away"}),
        ("resume", {"reason": "Customer back"}),
        ("escalate", {"reason": "Complaint"}),
    ]:
        response = agent_client.post(f"/api/v1/tickets/{pk}/{action}/", body, format="json")
        assert response.status_code == 200, (action, response.content)
    ticket = Ticket.objects.get(pk=pk)
    assert (ticket.status, ticket.escalation_level) == ("triaged", 1)
    assert agent_client.get("/api/v1/reports/dashboard/").status_code == 200
    client.force_login(agent)
    assert client.get("/tickets/").status_code == 200
    assert client.get("/dashboard/").status_code == 200


def test_with_redis_stopped_sign_in_works(redis, client, make_user):
    make_user("agent", username="desk")
    redis.stop()
    token = client.post(
        "/api/v1/auth/token/", {"username": "desk", "password": "pw-desk"},
        content_type="application/json",
    )  # fmt: skip
    assert token.status_code == 200, token.content
    page = client.post("/login/", {"username": "desk", "password": "pw-desk"})
    assert page.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_webhook_saved_while_the_broker_was_down_is_published_once_it_returns(
    redis, agent, integrator, receiver, django_capture_on_commit_callbacks
):
    url, received, _codes = receiver
    services.webhook_create(
        actor=integrator, url=url, events=["ticket.created"], secret="outage-secret-123456"
    )
    redis.stop()
    from tickets import services as ticket_services

    ticket_services.ticket_intake(
        actor=agent, customer=CustomerFactory(), channel="web", category="repair",
        description="Leak",
    )  # fmt: skip
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"  # saved with the change, waiting for the broker

    redis.start()
    later = timezone.now() + timezone.timedelta(minutes=5)
    assert services.webhook_redeliver_due(now=later) == 1
    assert redis.queued() == 1  # on the broker now, for the worker
    services.webhook_deliver(delivery_id=delivery.pk)
    services.webhook_deliver(delivery_id=delivery.pk)  # a second run of the task: no-op
    assert len(received) == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_readyz_reports_the_cache_down_as_degraded_not_unavailable(redis, client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"]["ok"] is True
    redis.stop()
    degraded = client.get("/readyz")
    assert degraded.status_code == 200
    body = degraded.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
