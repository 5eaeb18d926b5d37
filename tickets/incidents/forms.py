"""The incident pages' forms: declare, a stage step, the rule (codes and local days), a
manual link, an unlink, the notice and the review."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Area, ProductModel, Ticket

from .choices import IncidentGrade


class DeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    grade = forms.ChoiceField(
        label=_("Grade"),
        choices=IncidentGrade.choices,
        help_text=_("Critical: response within 2 h; major: 4 h; general: 6 h (by default)."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class StageForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _codes(text):
    return [code for code in re.split(r"[\s,，;；]+", text or "") if code]


class RuleForm(forms.Form):
    """The rule in words a supervisor types: model and area codes, and local days."""

    product_models = forms.CharField(
        label=_("Product model codes"),
        max_length=2000,
        help_text=_("One or more codes, separated by commas or spaces."),
    )
    areas = forms.CharField(
        label=_("Area codes"),
        required=False,
        max_length=2000,
        help_text=_("Leave empty for every area."),
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_product_models(self):
        codes = _codes(self.cleaned_data["product_models"])
        found = list(ProductModel.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {m.code for m in found})
        if missing:
            raise forms.ValidationError(
                _("No product model with the code: %(codes)s") % {"codes": ", ".join(missing)}
            )
        if not found:
            raise forms.ValidationError(_("Give at least one product model code."))
        return found

    def clean_areas(self):
        codes = _codes(self.cleaned_data["areas"])
        found = list(Area.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {a.code for a in found})
        if missing:
            raise forms.ValidationError(
                _("No area with the code: %(codes)s") % {"codes": ", ".join(missing)}
            )
        return found

    def rule(self):
        """The service's keywords: the days become local-midnight bounds, ``to`` inclusive."""
        data = self.cleaned_data

        def start_of(day):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

        first, last = data.get("created_from"), data.get("created_to")
        return {
            "product_models": data["product_models"],
            "areas": data["areas"],
            "created_from": start_of(first) if first else None,
            "created_until": start_of(last + datetime.timedelta(days=1)) if last else None,
        }


class LinkForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket number"), max_length=32)

    def clean_ticket(self):
        number = self.cleaned_data["ticket"].strip()
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket with this number."))
        return ticket


class UnlinkForm(LinkForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class NoticeForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ReviewForm(forms.Form):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    actions_taken = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(
        label=_("Lessons"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(
        label=_("Follow-up actions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
