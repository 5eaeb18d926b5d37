"""Webhooks: subscriptions, the outbox of deliveries, and the signed POST with back-off.

``webhook_emit`` runs inside the transaction of the change it reports: it writes one
``WebhookDelivery`` per subscribed webhook (so a rolled-back change announces nothing)
and queues the deliveries after commit. ``webhook_deliver`` (a Celery task) POSTs the
JSON body signed the Standard Webhooks way (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``), to a public
address only, checked after DNS resolution and connected to as checked
(``aftersales.platform.outbound``); a failed attempt is logged and retried with
exponential back-off, up to ``WEBHOOK_MAX_ATTEMPTS``. A webhook whose attempts fail
``WEBHOOK_DISABLE_AFTER_FAILURES`` times in a row (or is answered 410 Gone) is disabled
and its owner told;
``webhook_reenable`` turns it back on, ``webhook_send_test`` sends a test event.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import http.client
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks import Webhook as StandardWebhook

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.roles import Role, has_role, role_require
from audits.services import audit_record

from .. import outbound
from ..models import (
    SUBSCRIBABLE_EVENTS,
    DeliveryStatus,
    NotificationKind,
    Webhook,
    WebhookDelivery,
    WebhookDisabledReason,
    WebhookEvent,
)
from ..queue import publish, publish_on_commit
from .notifications import notify

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


# What a refused receiver address is, in words (outbound.address_refusal's codes).
ADDRESS_KINDS = {
    "unspecified": gettext_lazy("an unspecified address"),
    "loopback": gettext_lazy("a loopback address"),
    "link_local": gettext_lazy("a link-local address"),
    "multicast": gettext_lazy("a multicast address"),
    "unique_local": gettext_lazy("an IPv6 unique local address"),
    "shared": gettext_lazy("a carrier-grade NAT (shared) address"),
    "private": gettext_lazy("a private address"),
    "reserved": gettext_lazy("a reserved address"),
    "not_global": gettext_lazy("an address that is not publicly routable"),
}
SECRET_PREFIX = "whsec_"  # Standard Webhooks' form: whsec_ + base64 of the key bytes


def _url_errors(url):
    """The messages refusing ``url`` as a receiver (empty when it may be used). Resolves
    the host: call it outside any transaction."""
    refused = outbound.destination_refusal(url)
    if refused is None:
        return []
    if refused.reason == "credentials_in_url":
        return [_("Put no user name or password in the URL: the signature proves the sender.")]
    if refused.reason not in ADDRESS_KINDS:
        return [_("Enter an http(s) URL with a host name.")]
    host = outbound.parse(url).host
    literal = outbound.literal_address(host) is not None
    values = {
        "host": host,
        "address": host if literal else refused.address,  # an IP as the integrator wrote it
        "kind": ADDRESS_KINDS[refused.reason],
    }
    where = (
        _("%(address)s is %(kind)s.") % values
        if literal
        else _("%(host)s resolves to %(address)s, %(kind)s.") % values
    )
    return [
        where
        + " "
        + _(
            "Webhooks are sent to public addresses only; a receiver on a private network "
            "must first be allowed by the administrator (WEBHOOK_ALLOWED_HOSTS)."
        )
    ]


def signing_key(secret):
    """The HMAC key of ``secret``: a ``whsec_<base64>`` secret is its decoded bytes (the
    Standard Webhooks form), any other secret its UTF-8 bytes (the key every existing
    subscription was signed with, so receivers keep their secret)."""
    if secret.startswith(SECRET_PREFIX):
        rest = secret[len(SECRET_PREFIX) :]
        try:
            return base64.b64decode(rest + "=" * (-len(rest) % 4), validate=True)
        except (binascii.Error, ValueError):
            pass  # refused by webhook_create; a row written around it signs with its text
    return secret.encode()


def _secret_errors(secret):
    if len(secret) < 16:
        return [_("Use a secret of at least 16 characters.")]
    if secret.startswith(SECRET_PREFIX):
        key = signing_key(secret)
        if key == secret.encode() or not 24 <= len(key) <= 64:
            return [_("A whsec_ secret is base64 of 24 to 64 random bytes.")]
    return []


def webhook_create(*, actor, url, events, secret):
    """Subscribe ``url`` to ``events`` (codes of ``WebhookEvent``, the test event aside).

    Refuses (``ValidationError``, 400) unknown events, a URL that is not http(s), one whose
    host is (or resolves to) a loopback, private, link-local, CGNAT, multicast, unspecified
    or reserved address unless the host is on ``WEBHOOK_ALLOWED_HOSTS``, and a short or
    malformed secret. The host is resolved before this service's transaction opens (a
    create with an ``Idempotency-Key`` runs inside the key's transaction). Writes
    ``webhook.created`` (the secret redacted in the audit trail).
    """
    errors = {}
    if not events or sorted(set(events) - set(SUBSCRIBABLE_EVENTS)):
        errors["events"] = [
            _("Choose among: %(events)s.") % {"events": ", ".join(SUBSCRIBABLE_EVENTS)}
        ]
    if url_errors := _url_errors(url):
        errors["url"] = url_errors
    if secret_errors := _secret_errors(secret):
        errors["secret"] = secret_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
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


def _require_owner(actor, webhook):
    """Integrators act on their own webhooks, supervisors on all (``None``: the system)."""
    role_require(actor, Role.INTEGRATOR, Role.SUPERVISOR)
    if (
        actor is not None
        and not has_role(actor, Role.SUPERVISOR)
        and webhook.created_by_id != actor.pk
    ):
        raise ActionForbidden(_("This webhook belongs to another integrator."))


def _deactivated_error():
    return ApplicationError(
        _("This webhook was deactivated by its owner; subscribe again instead."),
        code="webhook_deactivated",
    )


@transaction.atomic
def webhook_deactivate(*, webhook, actor):
    """Stop sending to ``webhook`` for good (``DELETE``; its deliveries stay as history, and
    the pending ones fail). Writes ``webhook.deactivated``."""
    _require_owner(actor, webhook)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if webhook.disabled_reason != WebhookDisabledReason.DEACTIVATED:
        was_active = webhook.active
        webhook.active = False
        webhook.disabled_reason = WebhookDisabledReason.DEACTIVATED
        webhook.disabled_at = timezone.now()
        webhook.save(update_fields=["active", "disabled_reason", "disabled_at"])
        # Deliveries held while it was disabled after failures have no attempt to come.
        WebhookDelivery.objects.filter(
            webhook=webhook, status=DeliveryStatus.PENDING, next_attempt_at__isnull=True
        ).update(status=DeliveryStatus.FAILED)
        audit_record(
            actor=actor,
            action="webhook.deactivated",
            obj=webhook,
            changes={"active": [was_active, False]},
        )
        _subscriptions_changed()
    return webhook


def webhook_reenable(*, webhook, actor):
    """``POST /api/v1/webhooks/{id}/reenable/``: turn back on a webhook disabled after
    failed deliveries.

    The URL is checked again first (the allow-list or DNS may have changed: 400), outside
    the transaction. A webhook deactivated by its owner stays off (409
    ``webhook_deactivated``); an active one is left as it is. Resets the failure count,
    writes ``webhook.reenabled`` and queues again, after commit, the deliveries that were
    held while it was off.
    """
    _require_owner(actor, webhook)
    if url_errors := _url_errors(webhook.url):
        raise ValidationError({"url": url_errors})
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        if webhook.active:
            return webhook
        if webhook.disabled_reason == WebhookDisabledReason.DEACTIVATED:
            raise _deactivated_error()
        failures = webhook.consecutive_failures
        webhook.active, webhook.consecutive_failures = True, 0
        webhook.disabled_reason, webhook.disabled_at = "", None
        webhook.save(
            update_fields=["active", "consecutive_failures", "disabled_reason", "disabled_at"]
        )
        audit_record(
            actor=actor,
            action="webhook.reenabled",
            obj=webhook,
            changes={"active": [False, True], "consecutive_failures": [failures, 0]},
        )
        held = WebhookDelivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING)
        ids = list(held.values_list("id", flat=True))
        held.update(next_attempt_at=timezone.now())
        for pk in ids:
            publish_on_commit(WEBHOOK_DELIVER_TASK, pk)
        _subscriptions_changed()
    return webhook


@transaction.atomic
def webhook_send_test(*, webhook, actor):
    """``POST /api/v1/webhooks/{id}/test/``: queue one ``webhook.test`` delivery now.

    Signed and sent like any event, attempted once (no retries) and left out of the
    failure count, so a receiver can be tried out — also while the webhook is disabled
    after failures, before re-enabling it. Refused (409 ``webhook_deactivated``) for a
    webhook its owner deactivated. Writes ``webhook.test_sent``; returns the delivery,
    whose attempt shows in ``GET …/deliveries/`` once made.
    """
    _require_owner(actor, webhook)
    if webhook.disabled_reason == WebhookDisabledReason.DEACTIVATED:
        raise _deactivated_error()
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event=WebhookEvent.TEST,
        payload={"webhook": webhook.pk, "test": True},
        created_at=now,
        next_attempt_at=now,
    )
    audit_record(
        actor=actor, action="webhook.test_sent", obj=webhook, changes={"delivery": delivery.pk}
    )
    publish_on_commit(WEBHOOK_DELIVER_TASK, delivery.pk)
    return delivery


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


def webhook_signature(secret, *, msg_id, timestamp, body):
    """``v1,<base64 HMAC-SHA256>`` of ``"{msg_id}.{timestamp}.{body}"`` with the secret's
    key (Standard Webhooks, signed by its reference library)."""
    when = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)
    return StandardWebhook(signing_key(secret)).sign(msg_id, when, body.decode())


def legacy_signature(secret, body):
    """The old ``X-Signature``: ``sha256=<hex HMAC of the body>`` (no id, no timestamp)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_headers(webhook, delivery, body, timestamp):
    """The headers of one attempt. ``webhook-id`` is the delivery's id, the same on every
    retry (the receiver's de-duplication key, like ``X-Delivery`` and the body's ``id``);
    ``webhook-timestamp`` is the attempt's time, so every retry is signed afresh."""
    msg_id = str(delivery.pk)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Aftersales-Webhooks/2",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": webhook_signature(
            webhook.secret, msg_id=msg_id, timestamp=timestamp, body=body
        ),
        "X-Event": delivery.event,
        "X-Delivery": msg_id,
    }
    if settings.WEBHOOK_LEGACY_SIGNATURE:
        headers["X-Signature"] = legacy_signature(webhook.secret, body)
    return headers


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


def _post(webhook, delivery):
    """One POST: ``(status code or None, error, address, ms)``; never raises."""
    body = webhook_body(delivery)
    headers = webhook_headers(webhook, delivery, body, time.time())
    started = time.perf_counter()
    code, error, address = None, "", ""
    try:
        answer = outbound.post(
            webhook.url, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
    except outbound.DestinationRefused as refused:
        error, address = f"refused: {refused.reason}", refused.address
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = (str(exc) or type(exc).__name__)[:200]
    else:
        code, address = answer.status, answer.address
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    return code, error, address, round((time.perf_counter() - started) * 1000)


def webhook_deliver(*, delivery_id):
    """One attempt. Returns ``None`` when done (delivered, failed for good, held, or
    another worker's), or the seconds to wait before the next attempt.

    Claimed in one short transaction, POSTed with no transaction open, recorded in another:
    two workers handed the same delivery POST it once. A worker killed between the POST and
    the record leaves the claim to expire and the sweep to POST again — at least once, with
    the same ``webhook-id``, by which receivers de-duplicate (README, "Webhooks").
    A webhook deactivated by its owner fails its pending deliveries unsent; one disabled
    after failures holds them (pending, not scheduled) until ``webhook_reenable``, but
    still sends its test events.
    """
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    webhook = delivery.webhook
    is_test = delivery.event == WebhookEvent.TEST
    failing = not webhook.active and webhook.disabled_reason == WebhookDisabledReason.FAILING
    if failing and not is_test:  # held: no attempt, no schedule, until re-enabled
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk=delivery_id).update(
                claimed_until=None, next_attempt_at=None
            )
        return None
    if not webhook.active and webhook.disabled_reason != WebhookDisabledReason.FAILING:
        code, error, address, ms = None, "webhook deactivated", "", 0
        sent = False
    else:
        code, error, address, ms = _post(webhook, delivery)
        sent = True
    now = timezone.now()
    attempt = {
        "at": now.isoformat(),
        "status_code": code,
        "error": error,
        "ms": ms,
        "address": address,
    }
    with transaction.atomic():
        return _record(
            delivery_id,
            attempt,
            ok=not error,
            sent=sent,
            is_test=is_test,
            now=now,
        )


def _record(delivery_id, attempt, *, ok, sent, is_test, now):
    """Log the attempt on the delivery and count it on the webhook (locked in the order
    webhook, delivery, as every writer of both does)."""
    webhook_id = WebhookDelivery.objects.values_list("webhook_id", flat=True).get(pk=delivery_id)
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    delivery.attempts += 1
    delivery.attempts_log = [*delivery.attempts_log, attempt]
    delivery.claimed_until = None
    wait = None
    max_attempts = 1 if is_test else settings.WEBHOOK_MAX_ATTEMPTS
    if ok:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
    elif delivery.attempts >= max_attempts or not sent:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        wait = BACKOFF_SECONDS * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = now + datetime.timedelta(seconds=wait)
    delivery.save(
        update_fields=["attempts", "attempts_log", "claimed_until", "status", "next_attempt_at"]
    )
    if sent and not is_test and webhook.active:
        _count_attempt(
            webhook, ok=ok, error=attempt["error"], gone=attempt["status_code"] == 410, now=now
        )
    return wait


def _count_attempt(webhook, *, ok, error, gone, now):
    """Count a failed attempt (a delivered one resets the count); at the limit — or at once
    when the receiver answered 410 Gone, its way of saying "stop" — disable the webhook,
    record it and tell the owner."""
    if ok:
        if webhook.consecutive_failures:
            webhook.consecutive_failures = 0
            webhook.save(update_fields=["consecutive_failures"])
        return
    webhook.consecutive_failures += 1
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if not gone and (not limit or webhook.consecutive_failures < limit):
        webhook.save(update_fields=["consecutive_failures"])
        return
    webhook.active = False
    webhook.disabled_reason = WebhookDisabledReason.FAILING
    webhook.disabled_at = now
    webhook.save(update_fields=["consecutive_failures", "active", "disabled_reason", "disabled_at"])
    audit_record(
        actor=None,
        action="webhook.disabled",
        obj=webhook,
        changes={
            "active": [True, False],
            "consecutive_failures": webhook.consecutive_failures,
            "last_error": error,
        },
    )
    notify(
        kind=NotificationKind.WEBHOOK_DISABLED,
        recipients=[webhook.created_by],
        context={
            "webhook_id": webhook.pk,
            "url": webhook.url,
            "failures": webhook.consecutive_failures,
            "last_error": error,
            "reenable_url": f"{settings.PUBLIC_SITE_URL.rstrip('/')}"
            f"/api/v1/webhooks/{webhook.pk}/reenable/",
        },
        dedupe_key=f"webhook-disabled:{webhook.pk}:{now.isoformat()}",
    )
    _subscriptions_changed()


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
