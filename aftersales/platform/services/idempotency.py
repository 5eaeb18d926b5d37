"""Idempotent creates: the first response to an ``Idempotency-Key`` is the only one."""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError

from ..models import IdempotencyKey


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"


def request_fingerprint(endpoint, data):
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{endpoint}\n{body}".encode()).hexdigest()


def idempotent_create(*, user, key, endpoint, data, create, device_time=None):
    """Run ``create()`` (→ (status, body)) once per (user, key); replays get the stored result.

    The key row is inserted first, inside the same transaction as the create, so a
    concurrent request with the same key waits on the unique index and then reads the
    committed response instead of creating a duplicate. A replay whose body differs
    is refused with 409 ``idempotency_key_reused``. Failed creates (4xx) store nothing,
    so the client can fix the input and retry with the same key. ``device_time``: the
    client's clock when the request was made (a change queued offline), kept beside
    the receive time.
    """
    fingerprint = request_fingerprint(endpoint, data)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                user=user,
                key=key,
                endpoint=endpoint,
                request_hash=fingerprint,
                device_time=device_time,
            )
            status, body = create()
            record.response_status, record.response_body = status, body
            record.save(update_fields=["response_status", "response_body"])
            return status, body, False
    except IntegrityError:
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None or record.response_status is None:
            raise
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used with a different request body.")
        )
    return record.response_status, record.response_body, True


def idempotency_keys_purge(*, now=None):
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
