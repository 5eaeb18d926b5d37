"""The platform's Celery tasks on a real worker and broker."""

import pytest

from aftersales.platform import services
from aftersales.platform.models import IdempotencyKey
from tests.conftest import wait_for as _wait_for
from tests.tickets.factories import make_ticket


@pytest.mark.broker
def test_idempotency_purge_task_runs_on_worker_and_drops_only_expired_keys(worker, agent):
    import datetime

    from django.utils import timezone

    from aftersales.platform.tasks import idempotency_keys_purge_task

    old = IdempotencyKey.objects.create(
        user=agent,
        key="old",
        endpoint="/x",
        request_hash="h",
        created_at=timezone.now() - datetime.timedelta(days=3),
    )
    fresh = IdempotencyKey.objects.create(user=agent, key="fresh", endpoint="/x", request_hash="h")
    idempotency_keys_purge_task.delay()
    assert _wait_for(lambda: not IdempotencyKey.objects.filter(pk=old.pk).exists())
    assert IdempotencyKey.objects.filter(pk=fresh.pk).exists()


@pytest.mark.broker
def test_webhook_reaches_the_receiver_through_the_worker_signed(
    worker, agent, integrator, receiver
):
    import hashlib
    import hmac
    import json

    from aftersales.platform.models import WebhookDelivery

    url, received, _codes = receiver
    services.webhook_create(
        actor=integrator, url=url, events=["ticket.created"], secret="worker-secret-123456"
    )
    ticket = make_ticket(actor=agent)
    assert _wait_for(lambda: received), "the worker never delivered the webhook"
    headers, body = received[0]
    assert json.loads(body)["data"]["number"] == ticket.number
    signature = hmac.new(b"worker-secret-123456", body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == f"sha256={signature}"
    from standardwebhooks import Webhook

    assert Webhook(b"worker-secret-123456").verify(body, headers)["event"] == "ticket.created"
    assert _wait_for(lambda: WebhookDelivery.objects.get().status == "delivered")


@pytest.mark.broker
def test_a_test_event_asked_through_the_api_reaches_the_receiver_through_the_worker(
    worker, integrator, receiver
):
    import json

    from standardwebhooks import Webhook

    from aftersales.platform.models import WebhookDelivery
    from tests.conftest import _client_for

    url, received, _codes = receiver
    hook = services.webhook_create(
        actor=integrator, url=url, events=["sla.breached"], secret="worker-secret-123456"
    )
    response = _client_for(integrator).post(f"/api/v1/webhooks/{hook.pk}/test/")
    assert response.status_code == 202
    assert _wait_for(lambda: received), "the worker never sent the test event"
    headers, body = received[0]
    assert Webhook(b"worker-secret-123456").verify(body, headers)["event"] == "webhook.test"
    assert json.loads(body)["id"] == response.data["id"]
    delivered = lambda: WebhookDelivery.objects.get(pk=response.data["id"]).status == "delivered"  # noqa: E731
    assert _wait_for(delivered)
