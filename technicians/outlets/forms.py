"""The outlet pages' forms (tickets.views.outlets): plain Django forms whose cleaned data
goes to one service each."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parts.models import StockLocation
from technicians.models import Technician
from tickets.models import Area

from .choices import OutletKind
from .models import Outlet
from .selectors import dispatcher_candidates

DETAIL_FIELDS = (
    "name",
    "kind",
    "company_name",
    "contract_number",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "opening_hours",
    "stock_location",
    "published",
    "active",
)


class OutletForm(forms.ModelForm):
    """Create (with its code and areas) or edit an outlet's details."""

    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.order_by("code"),
        required=False,
        label=_("Areas served"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Outlet
        fields = ("code", *DETAIL_FIELDS)

    def __init__(self, *args, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock_location"].queryset = StockLocation.objects.filter(
            kind="outlet"
        ).order_by("code")
        self.fields["kind"].choices = OutletKind.choices
        if not creating:
            del self.fields["code"]
            del self.fields["areas"]

    def _post_clean(self):
        # The services validate the model (and say why); no instance checks here.
        pass


class OutletAreasForm(forms.Form):
    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.order_by("code"),
        required=False,
        label=_("Areas served"),
        widget=forms.CheckboxSelectMultiple,
    )


class OutletDispatcherForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label=_("Outlet dispatcher"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = dispatcher_candidates()


class OutletTechnicianForm(forms.Form):
    technician = forms.ModelChoiceField(
        queryset=Technician.objects.filter(active=True).order_by("employee_no"),
        label=_("Technician"),
    )


class ScorecardDraftForm(forms.Form):
    period_start = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"})
    )


MARKS = [("", "–"), *[(str(n), str(n)) for n in range(1, 6)]]


class ScorecardAssessForm(forms.Form):
    capability = forms.TypedChoiceField(choices=MARKS, coerce=int, label=_("Service capability"))
    technical = forms.TypedChoiceField(choices=MARKS, coerce=int, label=_("Technical level"))
    reputation = forms.TypedChoiceField(choices=MARKS, coerce=int, label=_("Reputation"))
    assessment = forms.CharField(
        label=_("Assessment"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TicketOutletForm(forms.Form):
    """Send a triaged ticket to one of the outlets serving its area."""

    outlet = forms.ModelChoiceField(queryset=Outlet.objects.none(), label=_("Service outlet"))
    note = forms.CharField(
        label=_("Note for the outlet"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, outlets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets


class PublicAreaForm(forms.Form):
    area = forms.ModelChoiceField(
        queryset=Area.objects.order_by("name"),
        required=False,
        label=_("Your area"),
        empty_label=_("All areas"),
    )
