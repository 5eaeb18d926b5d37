"""Phone numbers: one normal form so that duplicates are found, and masking for display.

Parsing and validation are Google's libphonenumber rules (the ``phonenumbers`` package),
not ours: a number is read in the home region ``PHONE_DEFAULT_REGION`` (CN by default)
unless it starts with an international prefix (``+44 …``, ``0044 …``), and must be a valid
number of its country. The stored form is the one the hand-written normaliser of earlier
releases gave for a home-region number, so existing rows still match:

* a home-region number: its national digits, trunk prefix included, no separators —
  ``13800138000`` (mobile, also for ``+86 138-0013-8000``), ``01012345678`` (Beijing
  landline ``010-1234 5678``);
* any other number: E.164, ``+447911123456``.
"""

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

# Longer input is no phone number; it is refused before the parser sees it.
MAX_INPUT = 40


class PhoneInvalid(ValueError):
    """``raw`` is no valid phone number; ``str()`` is the message to show (translated)."""


def phone_region():
    """The region a number without an international prefix is read in (a setting)."""
    return getattr(settings, "PHONE_DEFAULT_REGION", "CN") or "CN"


def phone_error_message():
    return _(
        "Enter a valid phone number: a mobile (138 0013 8000), a landline with its area "
        "code (010 1234 5678), or an international number with its country code "
        "(+44 20 7946 0958)."
    )


def normalize_phone(raw):
    """Return the stored normal form of ``raw`` or raise ``PhoneInvalid`` (a ValueError).

    ``tel:`` and separators are allowed; ``0086``/``+86`` is the home country prefix.
    """
    text = str(raw or "").strip().removeprefix("tel:")
    # libphonenumber reads letters as a keypad's digits (1-800-FLOWERS); a customer's
    # number typed with letters in it is a typing error here, not a vanity number.
    if not text or len(text) > MAX_INPUT or any(ch.isalpha() for ch in text):
        raise PhoneInvalid(phone_error_message())
    region = phone_region()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneInvalid(phone_error_message()) from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid(phone_error_message())
    if phonenumbers.region_code_for_number(number) == region:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def strip_home_prefix(compact):
    """A number's digits without the home country code: ``+86138…`` / ``0086138…`` →
    ``138…`` (for fragments that are no whole number, e.g. in search)."""
    code = str(phonenumbers.country_code_for_region(phone_region()))
    for prefix in (f"+{code}", f"00{code}"):
        if compact.startswith(prefix):
            return compact[len(prefix) :]
    return compact.removeprefix("+")


def mask_phone(phone):
    """``13812345678`` → ``138****5678``: enough to recognise, not enough to dial."""
    if not phone or len(phone) < 8:
        return "****"
    return f"{phone[:3]}****{phone[-4:]}"
