"""Notifications: one call, ``notify``, for every message the platform sends, and its delivery.

``notify`` runs inside the transaction of the change that causes the message: it writes
one ``Notification`` per (recipient, channel), rendered in the recipient's language (the
outbox), and publishes their delivery after commit. So a rolled-back change sends
nothing, and a broker that is down at commit loses nothing: the rows wait, and the beat's
``notifications_redeliver_due`` publishes them again. ``notification_deliver`` (a Celery
task) delivers one row: it claims the row in a short transaction, sends with no
transaction open and no row lock held, and records the attempt in another short
transaction; failures are retried with exponential back-off up to
``NOTIFICATION_MAX_ATTEMPTS``. Delivery is at least once: a worker that dies between the
send and the record sends again after its claim expires, with the same ``uuid``.
"""

import datetime
import json
import logging
import time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from aftersales.roles import acting_user

from ..models import Notification, NotificationStatus
from ..notifications.channels import PermanentDeliveryError, channel, channels_for
from ..notifications.hooks import on_sent_hooks
from ..notifications.recipients import recipients_of
from ..notifications.rendering import render_notification
from ..queue import publish

logger = logging.getLogger(__name__)

NOTIFICATION_DELIVER_TASK = "aftersales.platform.tasks.notification_deliver_task"
# A claimed row is left alone this long: longer than any send may take (SMTP, the SMS
# gateway's timeout), short enough that a worker killed mid-send is soon stood in for.
CLAIM_SECONDS = 300
# A retry may arrive a little before its instant (clocks of two workers); within this it
# still counts as due, later ones are dropped (the row's own retry or the sweep comes).
DUE_SLACK_SECONDS = 5
# The redelivery sweep leaves a row alone this long after its attempt was due, so a
# message still on its way through the broker is not doubled.
REDELIVER_GRACE_SECONDS = 60


def notify(*, kind, recipients, context, ticket=None, dedupe_key=None):
    """Queue ``kind`` for each of ``recipients`` on each of the kind's channels.

    Preconditions: inside the transaction of the change that causes the message (an
    ``AssertionError`` otherwise), so the rows commit or roll back with it.
    ``recipients`` are users, customers (anything with ``email``/``phone``/``language``
    and a ``name``), ``Recipient`` objects or bare addresses; duplicates are told once.
    ``context`` holds plain values (and lazy labels, which render in each recipient's
    language) for the kind's templates; it is stored JSON-serialised on each row.
    ``dedupe_key`` names the fact the message is about (``"sla-escalation:42"``): a second
    call with the same key adds nothing for a (recipient, channel) already queued.

    Writes one ``Notification`` per (recipient, channel): ``pending`` with an address,
    ``no_recipient`` without one, ``sent`` for the in-app inbox. Emits, after commit, one
    ``notification_deliver_task`` per pending row (one on-commit callback per call).
    Returns the rows written.
    """
    assert transaction.get_connection().in_atomic_block, "notify needs the change's transaction"
    now = timezone.now()
    channels = channels_for(kind)
    done = set()
    if dedupe_key:
        done = set(
            Notification.objects.filter(dedupe_key=dedupe_key).values_list(
                "channel", "recipient_key"
            )
        )
    stored_context = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    rendered, rows = {}, []
    for recipient in recipients_of(recipients):
        language = recipient.language or settings.LANGUAGE_CODE
        for chan in channels:
            if (chan.name, recipient.key) in done:
                continue
            if language not in rendered:
                rendered[language] = render_notification(kind, context, language)
            content = rendered[language]
            address = chan.address_of(recipient)
            if not address:
                status = NotificationStatus.NO_RECIPIENT
            elif chan.immediate:
                status = NotificationStatus.SENT
            else:
                status = NotificationStatus.PENDING
            rows.append(
                Notification(
                    kind=kind,
                    channel=chan.name,
                    status=status,
                    recipient_key=recipient.key,
                    recipient_name=recipient.name[:200],
                    user=recipient.user,
                    customer_id=recipient.customer_id,
                    address=address,
                    language=language,
                    ticket=ticket,
                    dedupe_key=dedupe_key or "",
                    subject=content.subject,
                    body=content.body,
                    sms_params=content.sms_params,
                    context=stored_context,
                    created_at=now,
                    sent_at=now if status == NotificationStatus.SENT else None,
                    next_attempt_at=now if status == NotificationStatus.PENDING else None,
                )
            )
    created = Notification.objects.bulk_create(rows) if rows else []
    for row in created:
        if row.status == NotificationStatus.SENT:  # an immediate channel (the inbox)
            _run_on_sent(row)
    pending = [n.pk for n in created if n.status == NotificationStatus.PENDING]
    transaction.on_commit(lambda: _publish_all(pending), robust=True)
    return created


def _publish_all(ids):
    for pk in ids:
        if not publish(NOTIFICATION_DELIVER_TASK, pk):
            return  # the broker is down: the rest would fail too; the sweep republishes


def _claim(notification_id, now):
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:  # done already, gone, or another worker is recording it
            return None
        if notification.claimed_until and notification.claimed_until > now:
            return None  # another worker is sending it right now
        due = notification.next_attempt_at
        if due and due > now + datetime.timedelta(seconds=DUE_SLACK_SECONDS):
            return None  # an early duplicate; the row's own retry is scheduled
        notification.claimed_until = now + datetime.timedelta(seconds=CLAIM_SECONDS)
        notification.save(update_fields=["claimed_until"])
        return notification


def notification_deliver(*, notification_id):
    """One delivery attempt of one row. Returns the seconds until the next attempt, or
    ``None`` when there is nothing more to do (sent, failed, not due, or someone else's).

    Preconditions: called outside any transaction (a Celery task). Three steps: claim the
    row (a short transaction; a row already sent, or claimed by another worker, is left
    alone, so a redelivered message never sends twice), send with no transaction open,
    record the attempt (time, outcome, error, duration) and the new status in another
    short transaction, where the kind's ``on_sent`` hooks run on success.
    """
    now = timezone.now()
    notification = _claim(notification_id, now)
    if notification is None:
        return None
    started = time.perf_counter()
    error, permanent, reference = "", False, ""
    try:
        reference = channel(notification.channel).send(notification) or ""
    except Exception as exc:  # any failure is logged on the row and retried (or final)
        permanent = isinstance(exc, PermanentDeliveryError) or getattr(exc, "permanent", False)
        error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning("notification %s attempt failed: %s", notification.uuid, error)
    finished = timezone.now()
    attempt = {
        "at": finished.isoformat(),
        "outcome": "sent" if not error else ("refused" if permanent else "error"),
        "error": error,
        "ms": round((time.perf_counter() - started) * 1000),
    }
    if reference:
        attempt["reference"] = reference
    wait = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        notification.attempts += 1
        notification.attempts_log = [*notification.attempts_log, attempt]
        notification.claimed_until = None
        if not error:
            notification.status, notification.sent_at = NotificationStatus.SENT, finished
            notification.next_attempt_at = None
        elif permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            notification.status, notification.next_attempt_at = NotificationStatus.FAILED, None
        else:
            wait = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * 2 ** (notification.attempts - 1)
            notification.next_attempt_at = finished + datetime.timedelta(seconds=wait)
        notification.save(
            update_fields=[
                "attempts",
                "attempts_log",
                "claimed_until",
                "status",
                "sent_at",
                "next_attempt_at",
            ]
        )
        if not error:
            _run_on_sent(notification)
    return wait


def _run_on_sent(notification):
    for hook in on_sent_hooks(notification.kind):
        try:
            with transaction.atomic():
                hook(notification)
        except Exception:  # the message went out; a failed follow-up must not resend it
            logger.exception("on_sent hook %r failed for %s", hook, notification.uuid)


def notifications_redeliver_due(*, now=None, batch_size=500, max_batches=20):
    """Publish again the pending rows whose attempt is overdue (the broker was down at
    commit, or a worker lost its retry), in batches of ``batch_size``.

    The beat runs it every ``NOTIFICATION_REDELIVER_INTERVAL_SECONDS``. Each republished
    row's ``next_attempt_at`` moves to now, so the next run leaves it alone for the grace
    period; the delivery's claim makes a doubled message harmless. Stops at the first
    publish the broker refuses. Returns how many were republished.
    """
    now = now or timezone.now()
    before = now - datetime.timedelta(seconds=REDELIVER_GRACE_SECONDS)
    total = 0
    for _batch in range(max_batches):
        ids = list(
            Notification.objects.due_for_redelivery(before=before, now=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        published = []
        for pk in ids:
            if not publish(NOTIFICATION_DELIVER_TASK, pk):
                break
            published.append(pk)
        if published:
            Notification.objects.filter(pk__in=published).update(next_attempt_at=now)
        total += len(published)
        if len(published) < batch_size:
            break
    return total


def notification_mark_read(*, notification, actor):
    """Mark one of ``actor``'s inbox messages read (again: no change). Only the recipient
    may; another user's message is ``LookupError`` (the API answers 404)."""
    user = acting_user(actor)
    if user is None or notification.user_id != user.pk:
        raise LookupError("not this user's message")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, actor):
    """Mark every unread inbox message of ``actor`` read; returns how many."""
    user = acting_user(actor)
    return (
        Notification.objects.inbox_of(user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def notifications_cancel_customer(*, customer_id):
    """Consent withdrawn: the customer's messages still waiting in the outbox are not
    sent (marked ``no_recipient``: there is no longer anyone who may be written to).
    Called by the consent service in its transaction. Returns how many were cancelled."""
    return Notification.objects.filter(
        customer_id=customer_id, status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.NO_RECIPIENT, next_attempt_at=None)


def notifications_redact_customer(*, customer_id):
    """Privacy erasure: blank the personal data in a customer's messages (address, name,
    text, parameters); what was sent when and how stays. Called by ``customer_erase``
    in its transaction. Returns how many rows were redacted."""
    rows = Notification.objects.filter(customer_id=customer_id)
    # Not yet delivered: there is no longer an address to deliver to.
    rows.filter(status=NotificationStatus.PENDING).update(
        status=NotificationStatus.NO_RECIPIENT, next_attempt_at=None
    )
    return rows.update(
        address="",
        recipient_name="",
        subject="",
        body="",
        sms_params={},
        context={},
    )
