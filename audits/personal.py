"""Personal data in the audit trail: crypto-shredding, masking, erasure.

Why crypto-shredding: the trail is append-only and hash-chained (``audits.chain``), so a
personal value written into an event's ``changes`` can never be overwritten without
breaking the chain. Instead every value of a field marked personal is stored encrypted
(Fernet: AES-128-CBC + HMAC-SHA256) with a key of its own per data subject (one
``PersonalDataKey`` row per customer); the chain hashes the ciphertext. Erasure deletes
that key: every copy of the values in the trail becomes unreadable at once, while each
row, and so each hash, stays exactly as sealed.

The subject keys are themselves stored wrapped (encrypted) with the master key,
``settings.PII_MASTER_KEYS`` (from ``PII_MASTER_KEY``; the first key wraps, all of them
unwrap, so the master key is rotated by putting the new one first and running
``manage.py pii_rewrap``). Without it the master key is derived from ``SECRET_KEY``.

Which fields are personal is declared by the app that owns the subject
(``personal_fields_register("tickets.customer", {...})`` in its ``AppConfig.ready``), so the
trail never imports the apps above it. ``audit_record`` encrypts them for every caller.
"""

import base64
import binascii
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import IntegrityError, transaction

from aftersales.roles import Role, has_role

from .models import PersonalDataKey

# object type ("tickets.customer") → the names of its fields holding personal values.
PERSONAL_FIELDS = {}
ENCRYPTED = "$pii"  # the marker of an encrypted value: {"$pii": "<Fernet token>"}
ERASED = "<erased>"  # what an encrypted value of an erased subject reads as


def personal_fields_register(object_type, fields):
    """Declare ``fields`` of ``object_type`` personal: encrypted in the trail, masked for
    roles that may not see them."""
    PERSONAL_FIELDS[object_type] = frozenset(fields) | PERSONAL_FIELDS.get(object_type, frozenset())


def personal_fields(object_type):
    return PERSONAL_FIELDS.get(object_type, frozenset())


def may_see_personal(user):
    """The one "may see personal values in the trail" rule: desk roles (agents,
    supervisors) and superusers; auditors and everyone else see them masked."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_superuser or has_role(user, Role.AGENT, Role.SUPERVISOR))
    )


# --- Keys --------------------------------------------------------------------------------


def _fernet_key(secret):
    """A Fernet key as given, or one derived (SHA-256) from any other secret string."""
    try:
        if len(base64.urlsafe_b64decode(secret.encode())) == 32:
            return secret.encode()
    except (binascii.Error, ValueError):
        pass
    digest = hashlib.sha256(b"aftersales-pii-master-key:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def master_key():
    """The master key ring: the first ``PII_MASTER_KEYS`` entry wraps, every entry unwraps."""
    secrets = list(getattr(settings, "PII_MASTER_KEYS", None) or []) or [settings.SECRET_KEY]
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets])


def _subject_key(object_type, object_id, *, create):
    row = PersonalDataKey.objects.filter(
        subject_type=object_type, subject_id=str(object_id)
    ).first()
    if row is None and create:
        wrapped = master_key().encrypt(Fernet.generate_key()).decode()
        try:
            with transaction.atomic():
                row = PersonalDataKey.objects.create(
                    subject_type=object_type, subject_id=str(object_id), wrapped_key=wrapped
                )
        except IntegrityError:  # a concurrent writer made it first: use theirs
            row = PersonalDataKey.objects.get(subject_type=object_type, subject_id=str(object_id))
    if row is None:
        return None
    return Fernet(master_key().decrypt(row.wrapped_key.encode()))


class KeyRing:
    """The subject keys one response needs, each read once (``None``: erased)."""

    def __init__(self):
        self._keys = {}

    def get(self, object_type, object_id):
        cache_key = (object_type, str(object_id))
        if cache_key not in self._keys:
            self._keys[cache_key] = _subject_key(object_type, object_id, create=False)
        return self._keys[cache_key]

    def preload(self, subjects):
        """Read the keys of many ``(object_type, object_id)`` subjects in one query."""
        wanted = {(t, str(i)) for t, i in subjects} - set(self._keys)
        if not wanted:
            return
        rows = PersonalDataKey.objects.filter(
            subject_id__in={i for _t, i in wanted}, subject_type__in={t for t, _i in wanted}
        )
        ring = master_key()
        found = {
            (row.subject_type, row.subject_id): Fernet(ring.decrypt(row.wrapped_key.encode()))
            for row in rows
        }
        for subject in wanted:
            self._keys[subject] = found.get(subject)


def personal_key_shred(*, object_type, object_id):
    """Erasure: delete the subject's key, so every value encrypted with it is unreadable
    for good (the trail's rows and hashes stay as they were). Returns True if one existed."""
    deleted, _ = PersonalDataKey.objects.filter(
        subject_type=object_type, subject_id=str(object_id)
    ).delete()
    return bool(deleted)


def personal_rewrap():
    """Master-key rotation: wrap every subject key again with the first master key."""
    ring, count = master_key(), 0
    for row in PersonalDataKey.objects.select_for_update().iterator():
        PersonalDataKey.objects.filter(pk=row.pk).update(
            wrapped_key=ring.rotate(row.wrapped_key.encode()).decode()
        )
        count += 1
    return count


# --- Values ------------------------------------------------------------------------------


def is_encrypted(value):
    return isinstance(value, dict) and set(value) == {ENCRYPTED}


def personal_encrypt(*, object_type, object_id, changes):
    """``changes`` with the values of ``object_type``'s personal fields encrypted with the
    subject's key (made on first use). Must run inside the change's transaction."""
    fields = personal_fields(object_type)
    if not fields or not changes or object_id in (None, ""):
        return changes
    if not any(name in fields and not is_encrypted(v) for name, v in changes.items()):
        return changes
    key = _subject_key(object_type, object_id, create=True)
    return {
        name: (
            {ENCRYPTED: key.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()}
            if name in fields and not is_encrypted(value)
            else value
        )
        for name, value in changes.items()
    }


def mask_value(value):
    """What a role that may not see personal data is shown: ``138****5678`` for a phone
    number, the first character and stars for other text; lists item by item."""
    if isinstance(value, (list, tuple)):
        return [mask_value(item) for item in value]
    if value in (None, ""):
        return value
    text = str(value)
    digits = text.lstrip("+")
    if digits.isdigit() and len(digits) >= 8:
        return f"{text[:3]}****{text[-4:]}"
    return f"{text[0]}***"


def personal_reveal(*, object_type, object_id, changes, may_see, keys=None):
    """``changes`` as the reader may see them, and whether any personal value was shown.

    Encrypted values are decrypted with the subject's key; an erased subject's read as
    ``<erased>``. A reader who may see gets the values, any other one the masked form
    (``mask_value``); plain personal values (written before encryption) are masked too.
    """
    fields = personal_fields(object_type)
    if not fields or not isinstance(changes, dict):
        return changes, False
    keys = keys or KeyRing()
    shown, out = False, {}
    for name, value in changes.items():
        if name not in fields:
            out[name] = value
            continue
        if is_encrypted(value):
            key = keys.get(object_type, object_id)
            if key is None:
                out[name] = ERASED
                continue
            try:
                value = json.loads(key.decrypt(value[ENCRYPTED].encode()))
            except InvalidToken:
                out[name] = ERASED
                continue
        if may_see:
            out[name], shown = value, True
        else:
            out[name] = mask_value(value)
    return out, shown


def event_changes(event, *, may_see=True, keys=None):
    """An ``AuditEvent``'s changes revealed (``personal_reveal``) for one reader."""
    changes, _shown = personal_reveal(
        object_type=event.object_type,
        object_id=event.object_id,
        changes=event.changes,
        may_see=may_see,
        keys=keys,
    )
    return changes


def mask_row(object_type, row, *, may_see):
    """A plain row (a history snapshot's data) with personal fields masked unless
    ``may_see``."""
    fields = personal_fields(object_type)
    if may_see or not fields or not isinstance(row, dict):
        return row
    return {name: (mask_value(v) if name in fields else v) for name, v in row.items()}
