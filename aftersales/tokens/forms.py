from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.dates import day_in_range, local_day_bounds

from .selectors import token_holder_candidates


class IntegratorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


class _ValidUntil(forms.DateField):
    """A local day; the token stops at the end of it (midnight after, TIME_ZONE)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean(self, value):
        day = super().clean(value)
        if day is None:
            return None
        if not day_in_range(day):
            raise forms.ValidationError(_("Enter a date between 1900 and 2999."))
        if day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return local_day_bounds(day)[1]


class IntegratorTokenCreateForm(forms.Form):
    user = IntegratorChoiceField(queryset=None, label=_("Integrator"))
    name = forms.CharField(
        max_length=80,
        label=pgettext_lazy("token", "Name"),
        help_text=_("Which system uses it, e.g. “Web shop” or “IVR”."),
    )
    expires_at = _ValidUntil(
        required=False,
        label=_("Valid until"),
        help_text=_("Optional: the token stops at the end of this day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = token_holder_candidates()


class IntegratorTokenRotateForm(forms.Form):
    expires_at = _ValidUntil(
        required=False,
        label=_("New end of validity"),
        help_text=_("Optional: left empty, the token keeps its expiry."),
    )
