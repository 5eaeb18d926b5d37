"""The audit-trail search form: every filter optional, each one alone or together."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aftersales.text import is_digits
from audits.choices import AuditSource
from tickets.models import Ticket

from .trail_labels import action_choices, object_type_choices

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _when(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT),
    )


class TrailSearchForm(forms.Form):
    """GET filters of ``/audit-trail/``. ``clean`` turns the ticket number and the
    username into ids (``ticket_id``, ``actor_id``); unknown ones are field errors."""

    ticket = forms.CharField(
        label=_("Ticket number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": "AS-2026-000123", "autocomplete": "off"}),
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)
    actor = forms.CharField(
        label=_("Actor (username)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    after = _when(_("From"))
    before = _when(_("Until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Any object type")), *object_type_choices()]
        self.fields["action"].choices = [("", _("Any action")), *action_choices()]
        self.fields["source"].choices = [("", _("Any source")), *AuditSource.choices]

    def clean_ticket(self):
        number = self.cleaned_data["ticket"].strip().upper()
        if not number:
            return None
        ticket_id = Ticket.objects.filter(number=number).values_list("pk", flat=True).first()
        if ticket_id is None:
            raise forms.ValidationError(_("No ticket has this number."))
        return ticket_id

    def clean_actor(self):
        username = self.cleaned_data["actor"].strip()
        if not username:
            return None
        user_id = (
            get_user_model()
            .objects.filter(username__iexact=username)
            .values_list("pk", flat=True)
            .first()
        )
        if user_id is None:
            raise forms.ValidationError(_("No user has this username."))
        return user_id

    def clean(self):
        data = super().clean()
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", _("Choose the type of the object with this ID."))
        after, before = data.get("after"), data.get("before")
        if after and before and after >= before:
            self.add_error("before", _("The end must be after the start."))
        return data

    def filters(self):
        """The selector's keyword arguments (``audits.selectors.audit_trail_search``)."""
        data = self.cleaned_data
        return {
            "object_type": data.get("object_type") or "",
            "object_id": (data.get("object_id") or "").strip(),
            "ticket_id": data.get("ticket"),
            "actor_id": data.get("actor"),
            "action": data.get("action") or "",
            "source": data.get("source") or "",
            "after": data.get("after"),
            "before": data.get("before"),
        }


def cursor_encode(cursor):
    """A keyset cursor (created_at, id) as ``<microseconds since 1970>.<id>``."""
    if cursor is None:
        return ""
    at, pk = cursor
    return f"{(at - _EPOCH) // timedelta(microseconds=1)}.{pk}"


def cursor_decode(text):
    """The cursor of ``cursor_encode``; ``None`` when absent, ``ValueError`` when garbled."""
    if not text:
        return None
    micros, _dot, pk = text.partition(".")
    if not (is_digits(micros) and is_digits(pk)) or len(micros) > 18 or len(pk) > 18:
        raise ValueError(text)
    return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
