"""Webhooks: subscriptions, the outbox of deliveries, and the signed POST with back-off.

``webhook_emit`` runs inside the transaction of the change it reports: it writes one
``WebhookDelivery`` per subscribed webhook (so a rolled-back change announces nothing)
and queues the deliveries after commit. ``webhook_deliver`` (a Celery task) POSTs the
JSON body with ``X-Signature: sha256=<hex HMAC of the body>``; a failed attempt is
logged and retried with exponential back-off, up to ``WEBHOOK_MAX_ATTEMPTS``.
"""

import datetime
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.services import audit_record

from ..models import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from ..queue import publish, publish_on_commit

SUBSCRIPTIONS_KEY = "tickets:webhooks:subscriptions"  # kept: running processes share it
WEBHOOK_DELIVER_TASK = "tickets.tasks.webhook_deliver_task"  # aftersales.platform.tasks
BACKOFF_SECONDS = 30  # 30 s, 60 s, 2 min, 4 min … between attempts


def _subscriptions():
    """Event → ids of the active webhooks subscribed to it (cached; changes invalidate)."""
    table = cache.get(SUBSCRIPTIONS_KEY)
    if table is None:
        table = {}
        for pk, events in Webhook.objects.filter(active=True).values_list("id", "events"):
            for event in events:
                table.setdefault(event, []).append(pk)
        cache.set(SUBSCRIPTIONS_KEY, table, 300)
    return table


def _subscriptions_changed():
    # Now for this transaction's own later emits, and again after commit in case another
    # process refilled the cache from the database before it could see the change.
    cache.delete(SUBSCRIPTIONS_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_KEY), robust=True)


@transaction.atomic
def webhook_create(*, actor, url, events, secret):
    """Subscribe ``url`` to ``events`` (codes of ``WebhookEvent``). Writes ``webhook.created``
    (the secret is never stored in the audit trail)."""
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown or not events:
        raise ValidationError(
            {
                "events": [
                    _("Choose among: %(events)s.") % {"events": ", ".join(WebhookEvent.values)}
                ]
            }
        )
    if not url.lower().startswith(("https://", "http://")):
        raise ValidationError({"url": [_("Use an http(s) URL.")]})
    if len(secret) < 16:
        raise ValidationError({"secret": [_("Use a secret of at least 16 characters.")]})
    webhook = Webhook.objects.create(
        url=url, events=sorted(set(events)), secret=secret, created_by=actor
    )
    audit_record(
        actor=actor,
        action="webhook.created",
        obj=webhook,
        changes={"url": url, "events": webhook.events, "secret": secret},
    )
    _subscriptions_changed()
    return webhook


@transaction.atomic
def webhook_deactivate(*, webhook, actor):
    """Stop sending to ``webhook`` (its deliveries stay as history)."""
    if webhook.active:
        webhook.active = False
        webhook.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="webhook.deactivated",
            obj=webhook,
            changes={"active": [True, False]},
        )
        _subscriptions_changed()
    return webhook


def webhook_emit(*, event, payloads):
    """Record ``event`` with each of ``payloads`` for every subscribed webhook and queue the
    deliveries after commit. One cached lookup when nobody listens, and ``payloads`` (any
    iterable, e.g. a generator) is not even consumed then; one INSERT otherwise."""
    hooks = _subscriptions().get(event)
    if not hooks:
        return []
    # JSON-ready once per payload, whatever the number of subscribers.
    payloads = [json.loads(json.dumps(p, cls=DjangoJSONEncoder)) for p in payloads]
    if not payloads:
        return []
    assert transaction.get_connection().in_atomic_block, "webhook_emit needs a transaction"
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook_id=hook,
            event=event,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
        )
        for hook in hooks
        for payload in payloads
    )
    ids = [d.pk for d in deliveries]
    for pk in ids:
        publish_on_commit(WEBHOOK_DELIVER_TASK, pk)
    return deliveries


def webhook_body(delivery):
    """The bytes POSTed: the event, its id, when it happened and the payload."""
    return json.dumps(
        {
            "id": delivery.pk,
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def webhook_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


CLAIM_SECONDS = 120  # longer than a POST may take (WEBHOOK_TIMEOUT_SECONDS)


def _claim(delivery_id, now):
    """Take the pending delivery for this worker (a short transaction), or None when it is
    done, gone, or another worker is posting it right now."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None or (delivery.claimed_until and delivery.claimed_until > now):
            return None
        delivery.claimed_until = now + datetime.timedelta(seconds=CLAIM_SECONDS)
        delivery.save(update_fields=["claimed_until"])
        return delivery


def webhook_deliver(*, delivery_id):
    """One attempt. Returns ``None`` when done (delivered, failed for good, or another
    worker's), or the seconds to wait before the next attempt.

    Claimed in one short transaction, POSTed with no transaction open, recorded in another:
    two workers handed the same delivery POST it once. A worker killed between the POST and
    the record leaves the claim to expire and the sweep to POST again — at least once, with
    the same ``X-Delivery`` id, by which receivers de-duplicate (README, "Webhooks").
    """
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    webhook = delivery.webhook
    body = webhook_body(delivery)
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Aftersales-Webhooks/1",
            "X-Event": delivery.event,
            "X-Delivery": str(delivery.pk),
            "X-Signature": webhook_signature(webhook.secret, body),
        },
    )
    started = time.perf_counter()
    code, error = None, ""
    if not webhook.active:
        error = "webhook deactivated"
    elif urllib.parse.urlsplit(webhook.url).scheme.lower() not in ("http", "https"):
        # webhook_create refuses other schemes; a row written around it (SQL, a migration)
        # must not make urlopen read a file: or ftp: URL either.
        error = "refused URL scheme"
    else:
        try:
            # bandit B310: the scheme is checked just above (http or https only).
            with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as r:  # nosec B310
                code = r.status
        except urllib.error.HTTPError as exc:
            code, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = str(getattr(exc, "reason", exc))[:200]
    ok = code is not None and 200 <= code < 300
    now = timezone.now()
    attempt = {
        "at": now.isoformat(),
        "status_code": code,
        "error": error,
        "ms": round((time.perf_counter() - started) * 1000),
    }
    with transaction.atomic():
        return _record(delivery_id, attempt, ok=ok, active=webhook.active, now=now)


def _record(delivery_id, attempt, *, ok, active, now):
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    delivery.attempts += 1
    delivery.attempts_log = [*delivery.attempts_log, attempt]
    delivery.claimed_until = None
    wait = None
    if ok:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not active:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        wait = BACKOFF_SECONDS * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = now + datetime.timedelta(seconds=wait)
    delivery.save(
        update_fields=["attempts", "attempts_log", "claimed_until", "status", "next_attempt_at"]
    )
    return wait


def webhook_redeliver_due(*, now=None, limit=500):
    """Re-queue pending deliveries whose attempt is overdue (a worker restarted and lost
    its countdown). The beat runs it every few minutes; an attempt is idempotent for the
    receiver through ``X-Delivery``."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lt=now - datetime.timedelta(minutes=1),
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    for pk in ids:
        publish(WEBHOOK_DELIVER_TASK, pk)
    return len(ids)
