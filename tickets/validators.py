"""Input rules shared by the API serializers and the page forms."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from aftersales.uploads import SIGNATURE, clean_data_url, size_label


def signature_clean(value):
    """The customer's signature as it is stored: ``value`` (a PNG or JPEG data URL, at
    most ``UPLOAD_MAX_BYTES["signature"]`` decoded) re-encoded from its decoded pixels,
    or ``""`` for none.

    The bytes decide, not the declared type: an SVG, HTML or text behind
    ``data:image/png`` is refused, as is an image that does not decode.
    """
    if not value:
        return ""
    try:
        return clean_data_url(value, kind=SIGNATURE)
    except ValueError as exc:
        raise ValidationError(
            _(
                "The signature could not be read; please sign again "
                "(expected a PNG or JPEG data URL: data:image/png;base64,...)."
            ),
            code="invalid_signature",
        ) from exc
    except ValidationError as exc:
        raise ValidationError(
            _("The signature must be a PNG or JPEG image of at most %(limit)s; please sign again.")
            % {"limit": size_label(SIGNATURE.max_bytes)},
            code="invalid_signature",
        ) from exc


def validate_signature(value):
    """A validator for forms and serializers: ``signature_clean`` must accept ``value``."""
    signature_clean(value)
