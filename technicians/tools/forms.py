"""The forms of the ledger pages: a new instrument, a calibration, issue and return, a
status change, and the tools a product category requires."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.choices import LocationKind
from parts.models import StockLocation
from technicians.models import Technician

from .choices import CalibrationResult, InstrumentStatus
from .models import InstrumentKind

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _stores():
    return StockLocation.objects.exclude(kind=LocationKind.VAN).order_by("code")


class InstrumentForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=32)
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=InstrumentKind.objects.all())
    model = forms.CharField(label=_("Model"), max_length=120, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    location = forms.ModelChoiceField(label=_("Kept at"), queryset=StockLocation.objects.none())
    last_calibrated_on = forms.DateField(label=_("Last calibration"), required=False, **DATE)
    calibration_due_on = forms.DateField(label=_("Calibration due date"), required=False, **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = _stores()


class CalibrationForm(forms.Form):
    calibrated_on = forms.DateField(label=_("Calibrated on"), **DATE)
    laboratory = forms.CharField(label=_("By (laboratory)"), max_length=200)
    result = forms.ChoiceField(
        label=_("Result"), choices=CalibrationResult.choices, widget=forms.RadioSelect
    )
    next_due_on = forms.DateField(
        label=_("Next due date"),
        required=False,
        help_text=_("Left empty: the kind's calibration interval after the calibration."),
        **DATE,
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=64, required=False
    )
    certificate = forms.FileField(
        label=_("Certificate"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
        help_text=_("A scan or PDF of the calibration certificate."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calibrated_on"].initial = timezone.localdate()


class IssueForm(forms.Form):
    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=Technician.objects.filter(active=True).order_by("full_name")
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReturnForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Back to"), queryset=StockLocation.objects.none())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = _stores()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=InstrumentStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RequirementsForm(forms.Form):
    """The kinds one product category requires (ticked boxes)."""

    kinds = forms.ModelMultipleChoiceField(
        label=_("Required instruments"),
        queryset=InstrumentKind.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
