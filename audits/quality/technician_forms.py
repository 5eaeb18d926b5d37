"""Forms of the supervisors' technician pages. They check what a person typed; the rules
(dates in order, hours present, who may act) stay in the technicians and tickets services,
whose errors the views attach back to the fields."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.dates import EARLIEST_DAY, LATEST_DAY, day_in_range
from parts.models import StockLocation
from technicians.choices import AbsenceKind
from technicians.models import CertificationType
from tickets.models import Area

from .performance import MAX_PERIOD_DAYS


def _in_calendar(day):
    """Dates beyond the platform's calendar would overflow its day arithmetic (a 500)."""
    if not day_in_range(day):
        raise forms.ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()}
        )


def _date(label, **kwargs):
    # A date input takes and gives ISO dates, whatever the language's display format.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, widget=widget, validators=[_in_calendar], **kwargs)


class RosterFilterForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.order_by("code"), required=False
    )
    outlet = forms.ModelChoiceField(
        label=_("Outlet"),
        queryset=StockLocation.objects.filter(kind="outlet").order_by("code"),
        required=False,
    )
    skill = forms.ModelChoiceField(
        label=_("Certificate"),
        queryset=CertificationType.objects.order_by("name"),
        required=False,
        help_text=_("Holds a valid certificate of this type today."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, empty in (
            ("area", _("All areas")),
            ("outlet", _("All outlets")),
            ("skill", _("Any certificate")),
        ):
            self.fields[name].empty_label = empty
        self.fields["area"].label_from_instance = lambda a: f"{a.name} ({a.code})"
        self.fields["outlet"].label_from_instance = lambda o: o.name


PERIOD_PRESETS = (30, 90, 180)


class PeriodForm(forms.Form):
    """The performance period: the last 30, 90 or 180 days, or from/to (inclusive)."""

    start = _date(pgettext_lazy("first day of a period", "From"), required=False)
    end = _date(pgettext_lazy("last day of a period", "To"), required=False)

    def __init__(self, data=None, *args, today=None, **kwargs):
        self.today = today or timezone.localdate()
        defaults = {
            "start": (self.today - datetime.timedelta(days=89)).isoformat(),
            "end": self.today.isoformat(),
        }
        if data is not None:
            # A half-filled period keeps its default other end, shown in the form.
            data = data.copy()
            for name, value in defaults.items():
                if not data.get(name):
                    data[name] = value
        super().__init__(data, *args, **kwargs)
        self.fields["start"].initial = defaults["start"]
        self.fields["end"].initial = defaults["end"]

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - datetime.timedelta(days=89)
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if end < start:
            self.add_error("end", _("The period must end on or after its first day."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("start", _("Choose at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        elif end > self.today:
            self.add_error("end", _("The period cannot end in the future."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self):
        """The [first, last] days chosen, or the last 90 days when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.today - datetime.timedelta(days=89), self.today


class TrainingRecordForm(forms.Form):
    course = forms.CharField(label=_("Course"), max_length=200)
    completed_on = _date(_("Completed on"))
    theory_hours = forms.DecimalField(
        label=_("Theory (hours)"), min_value=0, max_value=999, decimal_places=1, initial=0
    )
    practical_hours = forms.DecimalField(
        label=_("Practical (hours)"), min_value=0, max_value=999, decimal_places=1, initial=0
    )
    score = forms.DecimalField(
        label=_("Assessment score"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        required=False,
        help_text=_("0–100; leave empty without an assessment."),
    )


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
    starts_on = _date(_("First day"))
    ends_on = _date(_("Last day"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Final: the certificate no longer qualifies for any job."),
    )


class ScanForm(forms.Form):
    """A certificate's scan; ``certification_update`` checks the file (type by content,
    size, an image that decodes) as for any upload."""

    document = forms.FileField(label=_("Scan"), required=False)

    def __init__(self, *args, refused_message=None, limit_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_message = refused_message
        field = self.fields["document"]
        field.widget.attrs["accept"] = "image/jpeg,image/png,image/webp,application/pdf"
        field.help_text = _("A PDF or a photo (JPEG, PNG, WebP), at most %(limit)s.") % {
            "limit": limit_label
        }

    def clean_document(self):
        if self.refused_message:
            raise forms.ValidationError(self.refused_message, code="upload_refused")
        document = self.cleaned_data.get("document")
        if not document:
            raise forms.ValidationError(_("Choose a PDF or an image to upload."), code="required")
        return document


class MoveJobForm(forms.Form):
    """One click: the job keeps its time of day and moves to ``day``."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    day = forms.DateField(widget=forms.HiddenInput, validators=[_in_calendar])
