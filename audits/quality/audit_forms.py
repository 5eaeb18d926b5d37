"""Forms of the auditors' quality-audit pages: they check the input's shape; the services
in ``audits.quality.services`` decide (their ``ValidationError`` lands on these forms)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.uploads import EVIDENCE, refusal_message
from audits.choices import CHECKLIST_ITEMS, Severity

# The checklist items as the pages name them (the stored codes never show).
CHECKLIST_LABELS = {
    "fault_code": _("Fault code recorded"),
    "parts": _("Parts used recorded"),
    "signature": _("Customer signature on the work order"),
    "satisfaction": _("Satisfaction answer recorded"),
    "sla_met": _("Response and dispatch on time"),
    "charges_correct": _("Charges follow the charging rules"),
}
assert set(CHECKLIST_LABELS) == set(CHECKLIST_ITEMS)

YES_NO = [("yes", pgettext_lazy("checklist", "Yes")), ("no", pgettext_lazy("checklist", "No"))]


class QualityAuditCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(
        label=_("Closed from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Closed until"),
        help_text=_("Inclusive."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sample_percent = forms.IntegerField(
        label=_("Sample per technician (%)"), min_value=1, max_value=100, initial=10
    )
    sample_min = forms.IntegerField(
        label=_("At least per technician"), min_value=0, max_value=1000, initial=1
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**62,
        help_text=_("Give the seed of an earlier audit to draw the same sample again."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class ChecklistForm(forms.Form):
    """One yes/no per checklist item, preset to what the record says (or to what the
    auditor confirmed before); an item the record cannot tell starts unanswered."""

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, sample, **kwargs):
        self.sample = sample
        values = sample.checks if sample.confirmed_at else sample.prefilled
        initial = {
            item: {True: "yes", False: "no"}.get(values.get(item)) for item in CHECKLIST_ITEMS
        }
        initial["note"] = sample.note
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for item in CHECKLIST_ITEMS:
            self.fields[item] = forms.ChoiceField(
                label=CHECKLIST_LABELS[item], choices=YES_NO, widget=forms.RadioSelect
            )
        self.order_fields([*CHECKLIST_ITEMS, "note"])

    def items(self):
        """(bound field, what the record says, whether the confirmed value differs)."""
        rows = []
        for item in CHECKLIST_ITEMS:
            recorded = self.sample.prefilled.get(item)
            confirmed = self.sample.checks.get(item) if self.sample.confirmed_at else None
            corrected = confirmed is not None and recorded is not None and confirmed != recorded
            rows.append({"field": self[item], "recorded": recorded, "corrected": corrected})
        return rows

    def checks(self):
        return {item: self.cleaned_data[item] == "yes" for item in CHECKLIST_ITEMS}


class FindingForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What does not conform"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class CorrectiveActionForm(forms.Form):
    """Owner choices are given by the view (one query for every form on the page)."""

    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    description = forms.CharField(
        label=_("Corrective action"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *owners]

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return due_on


class EvidenceForm(forms.Form):
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("PDF or image (PNG, JPEG, WebP)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/png,image/jpeg,image/webp"}),
    )
    note = forms.CharField(
        label=pgettext_lazy("corrective action", "What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, refused=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused

    def clean(self):
        data = super().clean()
        if self.refused:
            reason = _("The file is too large: nothing was uploaded.")
            self.add_error("evidence", refusal_message(EVIDENCE, reason))
        elif not data.get("evidence") and not data.get("note"):
            raise forms.ValidationError(_("Give an evidence file or a note."))
        return data


class VerifyForm(forms.Form):
    effective = forms.ChoiceField(
        label=_("Verification"),
        choices=[
            ("yes", _("Effective: verify and close")),
            ("no", _("Not effective: send back to the owner")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Verification note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
