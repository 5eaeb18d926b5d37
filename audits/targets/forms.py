"""The forms of the target pages: the set's head, one row per metric, the break-downs,
the manager's reason for returning."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role
from technicians.outlets.models import Outlet
from tickets.models import Area

from .choices import Comparator, PeriodKind
from .metrics import METRIC_CHOICES, METRICS

BREAKDOWN_ROWS = 4


class TargetSetHeadForm(forms.Form):
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    period_start = forms.DateField(
        label=_("A day of the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Any day of the month, quarter or year: the set covers all of it."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class TargetLineForm(forms.Form):
    """One metric: whether the set has a target for it, the comparator and the value."""

    include = forms.BooleanField(label=_("Set a target"), required=False)
    comparator = forms.ChoiceField(
        label=_("Comparator"), choices=Comparator.choices, required=False
    )
    value = forms.DecimalField(
        label=_("Target"), required=False, min_value=0, max_digits=6, decimal_places=2
    )

    def __init__(self, *args, metric, **kwargs):
        super().__init__(*args, prefix=f"line-{metric}", **kwargs)
        self.metric = METRICS[metric]
        self.fields["value"].max_value = self.metric.maximum
        self.fields["value"].widget.attrs["max"] = str(self.metric.maximum)
        self.fields["value"].widget.attrs["step"] = "0.01"
        if not self.is_bound and "comparator" not in self.initial:
            self.initial["comparator"] = self.metric.direction

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("include") and cleaned.get("value") is None:
            self.add_error("value", _("Enter the target."))
        return cleaned


def _place_choices():
    areas = [(f"area:{pk}", name) for pk, name in Area.objects.values_list("pk", "name")]
    outlets = [(f"outlet:{pk}", name) for pk, name in Outlet.objects.values_list("pk", "name")]
    return [("", "—"), (_("Areas"), areas), (_("Outlets"), outlets)]


class TargetBreakdownForm(forms.Form):
    """A metric's own value for one area or outlet, optionally who owns a miss there."""

    metric = forms.ChoiceField(label=_("Metric"), required=False)
    place = forms.ChoiceField(label=_("Area or outlet"), required=False)
    value = forms.DecimalField(
        label=_("Target"), required=False, min_value=0, max_digits=6, decimal_places=2
    )
    owner = forms.ModelChoiceField(
        label=_("Owner of a miss"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Default"),
    )

    def __init__(self, *args, places, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *METRIC_CHOICES]
        self.fields["place"].choices = places
        self.fields["owner"].queryset = owners
        self.fields["value"].widget.attrs["step"] = "0.01"

    def clean(self):
        cleaned = super().clean()
        filled = [cleaned.get(name) not in (None, "") for name in ("metric", "place", "value")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(
                _("A break-down needs a metric, an area or outlet and a target.")
            )
        return cleaned

    def as_breakdown(self):
        data = self.cleaned_data
        if not data.get("metric"):
            return None
        kind, pk = data["place"].split(":")
        return data["metric"], {kind: int(pk), "value": data["value"], "owner": data.get("owner")}


def breakdown_forms(data=None, *, initial=()):
    """The existing break-downs and ``BREAKDOWN_ROWS`` empty rows (two queries for the
    choices, shared by every row)."""
    places = _place_choices()
    owners = (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__name__in=[Role.SUPERVISOR, Role.MANAGER, Role.OUTLET_DISPATCHER],
        )
        .distinct()
        .order_by("username")
    )
    rows = [*initial, *({} for _ in range(BREAKDOWN_ROWS))]
    return [
        TargetBreakdownForm(data, prefix=f"part-{index}", initial=row, places=places, owners=owners)
        for index, row in enumerate(rows)
    ]


def line_forms(data=None, *, target_set=None):
    lines = {}
    parts = []
    if target_set is not None:
        for line in target_set.lines.all():
            lines[line.metric] = {
                "include": True,
                "comparator": line.comparator,
                "value": line.value,
            }
            for part in line.breakdowns.all():
                place = f"area:{part.area_id}" if part.area_id else f"outlet:{part.outlet_id}"
                parts.append(
                    {
                        "metric": line.metric,
                        "place": place,
                        "value": part.value,
                        "owner": part.owner_id,
                    }
                )
    forms_ = [TargetLineForm(data, metric=code, initial=lines.get(code, {})) for code in METRICS]
    return forms_, parts


def lines_from(line_forms_, part_forms):
    """The service's ``lines`` from the valid forms."""
    lines = {}
    for form in line_forms_:
        data = form.cleaned_data
        if data.get("include"):
            lines[form.metric.code] = {
                "metric": form.metric.code,
                "comparator": data["comparator"] or form.metric.direction,
                "value": data["value"],
                "breakdowns": [],
            }
    for form in part_forms:
        found = form.as_breakdown()
        if found is None:
            continue
        metric, part = found
        if metric not in lines:
            form.add_error("metric", _("Set an overall target for this metric first."))
            return None
        lines[metric]["breakdowns"].append(part)
    return list(lines.values())


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
