"""Phone numbers: one normal form so that duplicates are found, and masking for display."""

import re

from aftersales.text import is_digits

_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(raw):
    """Return the normal form of ``raw`` or raise ValueError.

    Separators go; a mainland-China country prefix (+86, 0086) is dropped so that
    ``+86 138-0013-8000`` and ``13800138000`` are the same number; other international
    numbers keep a leading ``+``. 6 to 15 digits (E.164's maximum).
    """
    value = _SEPARATORS.sub("", str(raw or ""))
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+86"):
        value = value[3:]
    digits = value[1:] if value.startswith("+") else value
    if not is_digits(digits) or not 6 <= len(digits) <= 15:
        raise ValueError("Enter a phone number of 6 to 15 digits, optionally with a leading +.")
    return value


def mask_phone(phone):
    """``13812345678`` → ``138****5678``: enough to recognise, not enough to dial."""
    if not phone or len(phone) < 8:
        return "****"
    return f"{phone[:3]}****{phone[-4:]}"
