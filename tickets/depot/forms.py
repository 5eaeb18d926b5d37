"""The depot's page forms: they validate the input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ACCESSORIES, CONDITION_CHECKS
from .models import LoanUnit


class TakeInForm(forms.Form):
    serial_number = forms.CharField(
        label=_("Serial number (from the rating plate)"), max_length=64, required=False
    )
    condition_checks = forms.MultipleChoiceField(
        label=_("Condition"),
        choices=list(CONDITION_CHECKS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    condition_notes = forms.CharField(
        label=_("Condition notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    accessories = forms.MultipleChoiceField(
        label=_("Accessories handed over"),
        choices=list(ACCESSORIES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accessories_other = forms.CharField(
        label=_("Other accessories"), max_length=200, required=False
    )
    loan_unit = forms.ModelChoiceField(
        label=_("Loan unit (optional)"),
        queryset=LoanUnit.objects.none(),
        required=False,
        empty_label=_("No loan unit"),
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan_unit"].queryset = LoanUnit.objects.available().select_related(
            "product_model"
        )
        self.fields["loan_unit"].label_from_instance = lambda unit: (
            f"{unit.number} · {unit.product_model.name} · {unit.serial_number}"
        )
        if ticket is not None and ticket.product_id and not self.is_bound:
            self.initial["serial_number"] = ticket.product.serial_number


class ReturnForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes on the return"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("Photo of the unit"))


def add_service_errors(form, exc):
    """Put a service's ``ValidationError`` on the form's fields (or the form)."""
    if hasattr(exc, "message_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
