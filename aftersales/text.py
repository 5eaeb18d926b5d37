"""Small text checks shared by every app."""


def is_digits(value):
    """Whether ``value`` is a non-empty string of ASCII digits 0–9, the only ones ``int()``
    and our identifiers accept. ``str.isdigit`` alone also says yes to "²" or "①", on which
    ``int()`` raises (schemathesis found one such 500)."""
    return isinstance(value, str) and value.isascii() and value.isdigit()
