"""The survey's questions as form fields, for the desk's follow-up form (ticket page) and
the customer's survey link: one field per question of the active template, in its order.
The ``overall`` question is the field ``satisfaction`` (the name both forms always had)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import QuestionKind, StandardQuestion

RATINGS = [(n, str(n)) for n in range(1, 6)]
#: The customer's page: words beside the figures, the best first.
LABELLED_RATINGS = [
    (5, _("5 – Excellent")),
    (4, _("4 – Good")),
    (3, _("3 – Fair")),
    (2, _("2 – Poor")),
    (1, _("1 – Very poor")),
]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
OVERALL_FIELD = "satisfaction"
#: Keys a question may not take: the forms' own fields.
RESERVED_KEYS = frozenset({"satisfaction", "comment", "via", "version", "answers"})


def field_name(key):
    return OVERALL_FIELD if key == StandardQuestion.OVERALL else key


def question_fields(template, *, rating_class="stars", ratings=RATINGS):
    """``{field name: field}`` for ``template``'s questions (``ratings``: the choices of a
    rating, ``rating_class``: its radio group's CSS class)."""
    fields = {}
    for question in template.questions.all():
        label, required = question.text, question.required
        if question.kind == QuestionKind.RATING:
            field = forms.TypedChoiceField(
                label=label,
                choices=ratings,
                coerce=int,
                empty_value=None,
                required=required,
                widget=forms.RadioSelect(attrs={"class": rating_class}),
                help_text=_("1 = poor, 5 = excellent") if ratings is RATINGS else "",
            )
        elif question.kind == QuestionKind.YES_NO:
            field = forms.ChoiceField(
                label=label,
                choices=YES_NO,
                required=required,
                widget=forms.RadioSelect(attrs={"class": "inline"}),
            )
        else:
            field = forms.CharField(
                label=label,
                max_length=2000,
                required=required,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        fields[field_name(question.key)] = field
    return fields


def answers_of(template, cleaned_data):
    """The answers (question key → value) in a form's ``cleaned_data``."""
    answers = {}
    for question in template.questions.all():
        value = cleaned_data.get(field_name(question.key))
        if value not in (None, ""):
            answers[question.key] = value
    return answers


def errors_by_field(exc):
    """A service's ``ValidationError`` keyed by question key → keyed by field name."""
    return {field_name(key): messages for key, messages in exc.message_dict.items()}


class TaskCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The call back, the visit redone, the goodwill offered …"),
    )
