"""HTML form pieces of the parts app, used by the ticket page's forms."""

from django import forms
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from aftersales.text import is_digits

from .models import Part

MAX_LINES = 20


class PartsUsedField(forms.CharField):
    """The parts used on a job as text, one line per part, for the phone page:
    ``SKU [quantity] [fitted serial] [removed serial]`` (quantity 1 by default), e.g.
    ``AC-00101 1 SN-NEW-7 SN-OLD-3``. Cleans to ``ticket_complete``'s ``parts_used`` lines
    (issued from the technician's van)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Parts used"))
        kwargs.setdefault(
            "help_text",
            _("One line per part: SKU, quantity, serial fitted, serial removed (optional)."),
        )
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "autocapitalize": "off"}))
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        rows = [line.split() for line in (text or "").splitlines() if line.strip()]
        if len(rows) > MAX_LINES:
            raise forms.ValidationError(_("At most %(n)s lines.") % {"n": MAX_LINES})
        # Part numbers are unique ignoring case (part_sku_ci_unique): typed in any case.
        found = Part.objects.alias(sku_lower=Lower("sku")).filter(
            sku_lower__in=[row[0].lower() for row in rows]
        )
        parts = {part.sku.lower(): part for part in found}
        lines = []
        for number, row in enumerate(rows, start=1):
            sku, rest = row[0].lower(), row[1:]
            quantity = 1
            if rest and is_digits(rest[0]):
                quantity, rest = int(rest[0]), rest[1:]
            if sku not in parts:
                raise forms.ValidationError(
                    _("Line %(n)s: no part %(sku)s.") % {"n": number, "sku": row[0]}
                )
            if not 1 <= quantity <= 1000 or len(rest) > 2 or any(len(s) > 64 for s in rest):
                raise forms.ValidationError(
                    _("Line %(n)s: write SKU, quantity, serial fitted, serial removed.")
                    % {"n": number}
                )
            lines.append(
                {
                    "part": parts[sku],
                    "quantity": quantity,
                    "fitted_serial": rest[0] if rest else "",
                    "removed_serial": rest[1] if len(rest) > 1 else "",
                }
            )
        return lines
