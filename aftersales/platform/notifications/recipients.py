"""Recipients of a notification: users, customers, bare addresses — one shape for all.

The platform may not import the apps above it, so a customer is recognised by what it
has (``email``, ``phone``, ``language``, a ``name``), never by its class.
"""

import dataclasses

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser


@dataclasses.dataclass(frozen=True)
class Recipient:
    """Someone to tell: a user, a customer (``customer_id``) or just an address.

    ``key`` identifies them across channels (one row per recipient and channel, and what a
    ``dedupe_key`` is unique with).
    """

    key: str
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    user: object = None
    customer_id: int | None = None

    @classmethod
    def address(cls, value, *, name=""):
        """A bare e-mail address (contains ``@``) or phone number."""
        value = value.strip()
        if "@" in value:
            return cls(key=f"email:{value.lower()}", name=name or value, email=value)
        return cls(key=f"phone:{value}", name=name or value, phone=value)


def _language(value):
    codes = {code for code, _label in settings.LANGUAGES}
    return value if value in codes else settings.LANGUAGE_CODE


def recipient_of(obj):
    """A ``Recipient`` for a user, a customer-like object, a ``Recipient`` or an address.

    Users get ``settings.LANGUAGE_CODE`` (there is no per-user language preference yet);
    customers their stored ``language``.
    """
    if isinstance(obj, Recipient):
        return obj
    if isinstance(obj, str):
        return Recipient.address(obj)
    if isinstance(obj, AbstractBaseUser):
        return Recipient(
            key=f"user:{obj.pk}",
            name=obj.get_full_name() or obj.get_username(),
            email=obj.email or "",
            language=_language(getattr(obj, "language", "")),
            user=obj,
        )
    meta = getattr(obj, "_meta", None)
    label = meta.label_lower if meta is not None else ""
    customer_id = obj.pk if label == "tickets.customer" else None
    key = (
        f"customer:{obj.pk}"
        if customer_id
        else f"{label or 'object'}:{getattr(obj, 'pk', id(obj))}"
    )
    return Recipient(
        key=key,
        name=str(getattr(obj, "name", "") or ""),
        email=getattr(obj, "email", "") or "",
        phone=getattr(obj, "phone", "") or "",
        language=_language(getattr(obj, "language", "")),
        customer_id=customer_id,
    )


def recipients_of(objs):
    """``recipient_of`` each, the first of each ``key`` kept (a supervisor who also owns the
    ticket is told once)."""
    seen, out = set(), []
    for obj in objs:
        recipient = recipient_of(obj)
        if recipient.key not in seen:
            seen.add(recipient.key)
            out.append(recipient)
    return out
