"""Input rules shared by the API serializers and the page forms."""

import base64
import binascii
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_SIGNATURE_BYTES = 256 * 1024
# PNG or JPEG only: an SVG "signature" could carry script.
_DATA_URL = re.compile(r"^data:image/(png|jpeg);base64,([A-Za-z0-9+/=\s]+)$")


def validate_signature(value):
    """A customer's signature: a PNG or JPEG data URL of 1 byte to 256 KiB."""
    if not value:
        return
    match = _DATA_URL.match(value)
    if not match:
        raise ValidationError(
            _(
                "The signature could not be read; please sign again "
                "(expected a PNG or JPEG data URL: data:image/png;base64,...)."
            )
        )
    try:
        raw = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_("The signature could not be read; please sign again.")) from exc
    if not raw:
        raise ValidationError(_("The signature could not be read; please sign again."))
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValidationError(_("The signature image is too large."))
