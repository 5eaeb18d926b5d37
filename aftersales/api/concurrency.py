"""HTTP optimistic concurrency: ``If-Match: <version>`` in, ``ETag: "<version>"`` out."""

import re

from rest_framework.exceptions import ValidationError

_ETAG = re.compile(r'^\s*(?:W/)?(?:"(\d{1,10})"|(\d{1,10}))\s*$')


def expected_version(request):
    """The version the client last saw (``7``, ``"7"`` or ``W/"7"``), or None if not sent."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = _ETAG.match(raw)
    if not match:
        raise ValidationError({"If-Match": ['Send the ticket\'s version, e.g. If-Match: "7".']})
    return int(match.group(1) or match.group(2))


def etag(version):
    return f'"{version}"'
