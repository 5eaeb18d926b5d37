"""The customer's own pages, no account (``/service/...``): the status page, the
confirmation and rating link, the follow-up survey link, the request to move a visit.

Their own small layout (``templates/public/``), phone first, in the customer's language:
the stored one on a ticket's pages unless the visitor chose one with the language switch
(the language cookie), the browser's elsewhere. The status page opens only in the session
that passed the look-up (ticket number + last four digits of the phone); the links carry
their own proof (``tickets.public``). Reads are ``tickets.public``'s, writes the
services' (``tickets.services.public``); a refused input is the form again with its error,
a refused link a page that says why (403 / 410), never a 500.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.exceptions import InvalidTransition
from aftersales.http import client_ip

from .. import services
from ..presenters import VISIT_PERIODS
from ..public import (
    CONFIRM,
    SURVEY,
    LinkRefused,
    public_link_ticket,
    public_lookup,
    public_lookup_count,
    public_lookup_limited,
    public_status,
    public_tickets,
    work_order_link_path,
)
from ..surveys.forms import answers_of as survey_answers_of
from ..surveys.forms import errors_by_field as survey_errors_by_field
from ..surveys.forms import question_fields as survey_question_fields
from ..surveys.services import template_for as survey_template_for

SESSION_KEY = "public_tickets"
# How many tickets one browser session may hold open at once (a family's few requests).
SESSION_MAX = 10

RATINGS = [
    (5, gettext_lazy("5 – Excellent")),
    (4, gettext_lazy("4 – Good")),
    (3, gettext_lazy("3 – Fair")),
    (2, gettext_lazy("2 – Poor")),
    (1, gettext_lazy("1 – Very poor")),
]


class LookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Service request number"),
        max_length=32,
        help_text=gettext_lazy("As in our message, for example AS-2026-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone_last4 = forms.RegexField(
        label=gettext_lazy("Last four digits of your phone number"),
        regex=r"^\s*\d{4}\s*$",
        error_messages={"invalid": gettext_lazy("Enter four digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}
        ),
    )


class ConfirmForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Is the work done to your satisfaction?"),
        choices=[
            ("accept", gettext_lazy("Yes, I confirm the work")),
            ("reject", gettext_lazy("No, something is not right")),
        ],
        widget=forms.RadioSelect(attrs={"class": "stack"}),
    )
    satisfaction = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"),
        choices=RATINGS,
        coerce=int,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "stack"}),
        help_text=gettext_lazy("Needed to confirm."),
    )
    comment = forms.CharField(
        label=gettext_lazy("Your comments"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Needed if something is not right: tell us what."),
    )


class SurveyForm(forms.Form):
    """The survey link: the questions of the survey template active for the ticket's
    service type (``tickets.surveys``), then a comment."""

    comment = forms.CharField(
        label=gettext_lazy("Anything else you want to tell us?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey_template_for(ticket)
        comment = self.fields.pop("comment")
        self.fields.update(
            survey_question_fields(self.survey, rating_class="stack", ratings=RATINGS)
        )
        self.fields["comment"] = comment

    def answers(self):
        return survey_answers_of(self.survey, self.cleaned_data)


class RescheduleForm(forms.Form):
    preferred_date = forms.DateField(
        label=gettext_lazy("Day that suits you"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period = forms.ChoiceField(
        label=gettext_lazy("Time of day"),
        choices=list(VISIT_PERIODS.items()),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note for us"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _speak(request, language):
    """The customer's stored language, unless the visitor picked one (the cookie)."""
    codes = {code for code, _label in settings.LANGUAGES}
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and language in codes:
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _form_errors(form, exc):
    for field, messages in survey_errors_by_field(exc).items():
        form.add_error(field if field in form.fields else None, messages)


# --- The status look-up and the status page ----------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def public_lookup_page(request):
    """Find a request by its number and the last four digits of the phone.

    An unknown number and a wrong phone get the same answer; too many tries from one
    address, or too many wrong answers for one number, get a 429 page until the window
    (``PUBLIC_LOOKUP_WINDOW_MINUTES``) passes.
    """
    if request.method == "GET":
        form = LookupForm(initial={"number": request.GET.get("number", "")[:32]})
        return render(request, "public/lookup.html", {"form": form})
    form = LookupForm(request.POST)
    address = client_ip(request)
    number = request.POST.get("number", "")[:32]
    if public_lookup_limited(address=address, number=number):
        context = {"form": form, "limited": True, "minutes": settings.PUBLIC_LOOKUP_WINDOW_MINUTES}
        return render(request, "public/lookup.html", context, status=429)
    if not form.is_valid():
        return render(request, "public/lookup.html", {"form": form}, status=400)
    ticket = public_lookup(
        number=form.cleaned_data["number"], phone_last4=form.cleaned_data["phone_last4"].strip()
    )
    public_lookup_count(address=address, number=number, found=ticket is not None)
    if ticket is None:
        form.add_error(
            None,
            _(
                "We found no request with this number and phone. Check both against "
                "our message, or call us."
            ),
        )
        return render(request, "public/lookup.html", {"form": form}, status=400)
    granted = [pk for pk in request.session.get(SESSION_KEY, []) if pk != ticket.pk]
    request.session.cycle_key()  # a new session id for what it now opens
    request.session[SESSION_KEY] = [ticket.pk, *granted][:SESSION_MAX]
    return redirect("public-status-page", number=ticket.number)


def _granted_ticket(request, number):
    granted = request.session.get(SESSION_KEY, [])
    if not granted:
        return None
    return public_tickets().filter(number=number, pk__in=granted).first()


def _status_context(ticket, reschedule_form=None):
    status = public_status(ticket)
    requested = services.ticket_reschedule_requested(ticket) if status.may_reschedule else None
    payload = requested.payload if requested is not None else {}
    return {
        "ticket": ticket,
        "status": status,
        "requested": requested,
        "requested_period": VISIT_PERIODS.get(payload.get("period"), ""),
        "requested_date": payload.get("preferred_date", ""),
        "reschedule_form": reschedule_form or RescheduleForm(),
        "work_order_link": work_order_link_path(ticket) if status.signed_off else None,
    }


@never_cache
def public_status_page(request, number):
    """The request's status in the customer's words (only after the look-up)."""
    ticket = _granted_ticket(request, number)
    if ticket is None:
        return redirect(reverse("public-lookup-page") + f"?number={number}")
    _speak(request, ticket.customer.language)
    return render(request, "public/status.html", _status_context(ticket))


@never_cache
@require_POST
def public_reschedule_page(request, number):
    """Ask for another visit time: a request on the ticket's timeline, nothing moved."""
    ticket = _granted_ticket(request, number)
    if ticket is None:
        return redirect(reverse("public-lookup-page") + f"?number={number}")
    _speak(request, ticket.customer.language)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_reschedule_request(ticket=ticket, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("public-status-page", number=ticket.number)
    context = _status_context(ticket, reschedule_form=form)
    return render(request, "public/status.html", context, status=400)


# --- The signed links ----------------------------------------------------------------------


def _refused(request, refusal, purpose):
    ticket = refusal.ticket
    if ticket is not None:
        _speak(request, ticket.customer.language)
    context = {
        "reason": refusal.reason,
        "purpose": purpose,
        "status": public_status(ticket) if ticket is not None else None,
    }
    code = 403 if refusal.reason == "invalid" else 410
    return render(request, "public/refused.html", context, status=code)


def _link_page(request, number, token, *, purpose, form_class, template, submit, with_ticket=False):
    try:
        ticket = public_link_ticket(number=number, token=token, purpose=purpose)
    except LinkRefused as refusal:
        return _refused(request, refusal, purpose)
    _speak(request, ticket.customer.language)
    # The work the customer is asked to confirm (the technician's, or the phone fix).
    base = {"status": public_status(ticket), "work_done": ticket.work_done or ticket.resolution}
    extra = {"ticket": ticket} if with_ticket else {}
    if request.method == "GET":
        return render(request, template, {"form": form_class(**extra), **base})
    form = form_class(request.POST, **extra)
    if form.is_valid():
        try:
            ticket = submit(form)
        except LinkRefused as refusal:  # used meanwhile, in another tab
            return _refused(request, refusal, purpose)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return render(request, "public/thanks.html", {"purpose": purpose, "ticket": ticket})
    return render(request, template, {"form": form, **base}, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def public_confirm_page(request, number, token):
    """The completion link: confirm or reject the work (with a reason) and rate it."""

    def submit(form):
        data = form.cleaned_data
        return services.ticket_customer_confirm(
            number=number,
            token=token,
            accepted=data["decision"] == "accept",
            satisfaction=data.get("satisfaction"),
            comment=data.get("comment", ""),
        )

    return _link_page(
        request,
        number,
        token,
        purpose=CONFIRM,
        form_class=ConfirmForm,
        template="public/confirm.html",
        submit=submit,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def public_survey_page(request, number, token):
    """The follow-up survey link: the survey template's questions and a comment."""

    def submit(form):
        return services.ticket_customer_survey(
            number=number,
            token=token,
            answers=form.answers(),
            comment=form.cleaned_data.get("comment", ""),
        )

    return _link_page(
        request,
        number,
        token,
        purpose=SURVEY,
        form_class=SurveyForm,
        template="public/survey.html",
        submit=submit,
        with_ticket=True,
    )
