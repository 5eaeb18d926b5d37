"""HTML forms of the ticket pages: they shape and check the input; the services decide.

Each action form's fields are named after its service's keyword arguments, so a page
view calls ``service(ticket=..., actor=..., expected_version=..., **form.service_kwargs())``.
The hidden ``version`` is the ticket version the page showed (the page's If-Match).
"""

import datetime
import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from aftersales.dates import day_in_range
from aftersales.roles import DESK_ROLES, Role, has_role
from aftersales.text import is_digits
from parts.choices import LocationKind
from parts.forms import PartsUsedField
from parts.models import StockLocation
from technicians.choices import reason_label
from technicians.models import Technician
from technicians.selectors import CandidateTechnician, dispatch_candidates, technician_list
from tickets.knowledge.search import suggest
from tickets.knowledge.selectors import published_version

from .choices import (
    STAFF_CONTACT_VIA,
    Action,
    Channel,
    CustomerTier,
    FaultClass,
    PhotoKind,
    Priority,
    TicketCategory,
    WarrantyDecision,
)
from .models import Area, Product, ProductCategory, ProductModel
from .phones import normalize_phone
from .services.customers import CORRECTABLE_FIELDS
from .services.field import ETA_CHOICES_MINUTES
from .surveys.forms import answers_of as survey_answers_of
from .surveys.forms import field_name as survey_field_name
from .surveys.forms import question_fields as survey_question_fields
from .surveys.services import template_for as survey_template_for
from .validators import validate_signature
from .warranty.models import WarrantyPartGroup
from .warranty.selectors import ticket_decision as warranty_ticket_decision

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
SATISFACTION_CHOICES = [(n, str(n)) for n in range(1, 6)]


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


def _datetime_field(label, *, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT),
    )


def add_service_errors(form, exc):
    """Attach a service's ``ValidationError`` to ``form``; unknown fields become form errors."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    rename = getattr(form, "service_error_field", None) or (lambda name: name)
    for field, errors in exc.error_dict.items():
        field = rename(field)
        target = field if field in form.fields else None
        if field == "non_field_errors" or field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, errors)


# --- Lifecycle actions ---------------------------------------------------------------------


class TicketActionForm(forms.Form):
    """Base of every action form: the page's ticket version travels in a hidden field."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    #: Fields used only by the page, never passed to the service.
    page_only_fields = ("version",)

    def __init__(self, *args, ticket, user, **kwargs):
        self.ticket = ticket
        self.user = user
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", ticket.version)
        super().__init__(*args, **kwargs)

    def service_kwargs(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in self.page_only_fields}


class TriageForm(TicketActionForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ChoiceField(label=_("Category"), choices=TicketCategory.choices)
    fault_class = forms.ChoiceField(
        label=_("Fault class"), choices=[("", "—"), *FaultClass.choices], required=False
    )
    warranty_decision = forms.ChoiceField(
        label=_("Warranty decision"), choices=WarrantyDecision.choices, required=False
    )
    part_group = forms.ChoiceField(label=_("Part concerned"), required=False)
    goodwill_reason = forms.CharField(
        label=_("Goodwill reason"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("Supervisors only: why goodwill overrides the warranty."),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=_textarea(2))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["priority"].initial = ticket.priority
        self.fields["category"].initial = ticket.category
        self.fields["fault_class"].initial = ticket.fault_class
        # The warranty decision is derived (tickets.warranty): "" keeps it; the reasons
        # are shown in the triage section (templates/warranty/_triage_decision.html).
        self.derived = warranty_ticket_decision(ticket)
        self.derived_label = derived_label = WarrantyDecision(self.derived.decision).label
        self.fields["warranty_decision"].choices = [
            ("", _("As derived: %(decision)s") % {"decision": derived_label}),
            *WarrantyDecision.choices,
        ]
        self.fields["warranty_decision"].help_text = _(
            "Leave it as derived; a supervisor may grant goodwill with a reason."
        )
        self.fields["part_group"].choices = [
            ("", _("Not known (the whole unit)")),
            *WarrantyPartGroup.objects.values_list("code", "name"),
        ]
        if not has_role(self.user, Role.SUPERVISOR):
            # Goodwill is a supervisor's override: an agent neither sees it nor its reason.
            self.fields["warranty_decision"].choices = [
                c for c in self.fields["warranty_decision"].choices if c[0] != "goodwill"
            ]
            del self.fields["goodwill_reason"]

    def service_kwargs(self):
        kwargs = super().service_kwargs()
        kwargs["warranty_decision"] = kwargs.get("warranty_decision") or None
        return kwargs


class ContactForm(TicketActionForm):
    via = forms.ChoiceField(label=_("Contacted by"), choices=STAFF_CONTACT_VIA)
    note = forms.CharField(label=_("What was said"), max_length=2000, widget=_textarea(2))


class ReasonForm(TicketActionForm):
    """Pause, resume, cancel and escalate take only a reason."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea(2))


class _AppointmentForm(TicketActionForm):
    appointment_start = _datetime_field(_("Visit from"))
    appointment_end = _datetime_field(_("Visit until"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("appointment_start"), cleaned.get("appointment_end")
        if start and end and end <= start:
            self.add_error("appointment_end", _("The appointment must end after it starts."))
        return cleaned


class _RankedChoiceIterator(ModelChoiceIterator):
    """The technicians in the dispatch ranking's order (eligible first, best first)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for candidate in self.field.candidates:
            yield self.choice(candidate["technician"])

    def __len__(self):
        return len(self.field.candidates) + (self.field.empty_label is not None)


class TechnicianChoiceField(forms.ModelChoiceField):
    """Technicians ranked for the ticket on a day, each labelled with why (or why not)."""

    iterator = _RankedChoiceIterator
    candidates = ()

    def prepare_value(self, value):
        # The ranking's rows (``CandidateTechnician``) are not model instances.
        if isinstance(value, CandidateTechnician):
            return value.pk
        return super().prepare_value(value)

    def rank(self, candidates):
        self.candidates = candidates
        self.labels = {c["technician"].pk: c for c in candidates}
        self.widget.choices = self.choices

    def label_from_instance(self, obj):
        candidate = self.labels.get(obj.pk)
        label = f"{obj.full_name} ({obj.employee_no})"
        if candidate is None:
            return label
        reasons = pgettext("list separator", ", ").join(
            reason_label(r) for r in candidate["reasons"] if r != "training_incomplete"
        )
        if candidate["eligible"]:
            return f"{candidate['rank']}. {label} — {reasons}"
        return f"✕ {label} — {reasons}"


def _rank_technicians(field, ticket, user, day, exclude=None):
    """Fill ``field`` with the dispatch ranking for ``day`` (eight queries, any size)."""
    field.queryset = technician_list(user=user).filter(active=True).prefetch_related(None)
    candidates = [
        c for c in dispatch_candidates(ticket=ticket, day=day) if c["technician"].pk != exclude
    ]
    field.rank(candidates)
    field.help_text = _(
        "Ranked for %(date)s: fewest jobs that day, then first-time fix and satisfaction "
        "over 90 days, then jobs in the area. ✕ marks who may not go, and why."
    ) % {"date": day.isoformat()}


def _next_slot():
    """Tomorrow 09:00–11:00, local time: a sensible default window to edit."""
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=1)
    return start, start + datetime.timedelta(hours=2)


class DispatchForm(_AppointmentForm):
    field_order = ["technician", "appointment_start", "appointment_end"]
    technician = TechnicianChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.none(),
        empty_label=_("Choose a technician"),
    )

    def __init__(self, *args, ticket, user, **kwargs):
        super().__init__(*args, ticket=ticket, user=user, **kwargs)
        start, end = _next_slot()
        _rank_technicians(self.fields["technician"], ticket, user, start.date())
        self.fields["appointment_start"].initial = start
        self.fields["appointment_end"].initial = end


class RescheduleForm(_AppointmentForm):
    field_order = ["appointment_start", "appointment_end", "technician", "reason"]
    technician = TechnicianChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.none(),
        required=False,
        empty_label=_("Keep the current technician"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea(2))

    def __init__(self, *args, ticket, user, **kwargs):
        super().__init__(*args, ticket=ticket, user=user, **kwargs)
        day = timezone.localtime(ticket.appointment_start).date()
        _rank_technicians(self.fields["technician"], ticket, user, day, ticket.technician_id)
        self.fields["appointment_start"].initial = ticket.appointment_start
        self.fields["appointment_end"].initial = ticket.appointment_end


class CheckInForm(TicketActionForm):
    """The position is filled in by the browser when the technician shares it."""

    share_location = forms.BooleanField(label=_("Share my location"), required=False, initial=True)
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    page_only_fields = ("version", "share_location")


class CompleteForm(TicketActionForm):
    fault_class = forms.ChoiceField(label=_("Fault class"), choices=FaultClass.choices)
    fault_code = forms.CharField(label=_("Fault code"), max_length=64)
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=5000, widget=_textarea(3))
    work_done = forms.CharField(label=_("Work done"), max_length=5000, widget=_textarea(3))
    test_passed = forms.TypedChoiceField(
        label=_("Test in front of the customer"),
        choices=[("true", _("Passed")), ("false", _("Failed"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    parts_used = PartsUsedField(required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["fault_class"].initial = ticket.fault_class


class ResolveRemotelyForm(TicketActionForm):
    resolution = forms.CharField(label=_("How it was solved"), max_length=5000, widget=_textarea(3))
    article = forms.ChoiceField(
        label=_("Knowledge article that guided the customer"), required=False, choices=()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = self.ticket
        category = ticket.product.model.category_id if ticket.product_id else None
        self.fields["article"].choices = [
            ("", _("No article")),
            *[
                (str(a.current_id), f"{a.current.title} (v{a.current.number})")
                for a in suggest(ticket.description, category_id=category)
            ],
        ]

    def clean_article(self):
        return published_version(self.cleaned_data.get("article"))


class ConfirmForm(TicketActionForm):
    accepted = forms.TypedChoiceField(
        label=_("The customer"),
        choices=[("yes", _("accepts the work")), ("no", _("rejects the work"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1 = poor, 5 = excellent)"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "stars"}),
    )
    comment = forms.CharField(
        label=_("Customer's comment"), max_length=2000, required=False, widget=_textarea(2)
    )
    signature = forms.CharField(
        required=False, widget=forms.HiddenInput, validators=[validate_signature]
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accepted") is False:  # ticket_confirm insists on the reason
            cleaned["signature"] = ""
            cleaned["satisfaction"] = None
        return cleaned


class FollowUpForm(TicketActionForm):
    """The return-visit call: how the customer was reached, then the questions of the
    survey template active for the ticket's service type (``tickets.surveys``), then the
    customer's comment."""

    via = forms.ChoiceField(label=_("Contacted by"), choices=STAFF_CONTACT_VIA)
    comment = forms.CharField(
        label=_("Customer's comment"), max_length=2000, required=False, widget=_textarea(2)
    )

    def __init__(self, *args, ticket, user, **kwargs):
        super().__init__(*args, ticket=ticket, user=user, **kwargs)
        self.survey = survey_template_for(ticket)
        comment = self.fields.pop("comment")
        self.fields.update(survey_question_fields(self.survey))
        self.fields["comment"] = comment

    @staticmethod
    def service_error_field(name):
        return survey_field_name(name)

    def service_kwargs(self):
        return {
            "via": self.cleaned_data["via"],
            "comment": self.cleaned_data.get("comment", ""),
            "answers": survey_answers_of(self.survey, self.cleaned_data),
        }


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else obj.username


class TransferOwnerForm(TicketActionForm):
    owner = OwnerChoiceField(label=_("New owner"), queryset=get_user_model().objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea(2))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["owner"].queryset = desk_users().exclude(pk=ticket.owner_id)


def desk_users():
    """Who may own tickets: the active agents and supervisors, by username."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=DESK_ROLES)
        .distinct()
        .order_by("username")
    )


class UpdateForm(TicketActionForm):
    description = forms.CharField(label=_("Description"), max_length=5000, widget=_textarea(3))
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False, empty_label="—"
    )
    fault_occurred_at = _datetime_field(_("Fault started"), required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["product"].queryset = ticket.customer.products.select_related("model")
        self.fields["description"].initial = ticket.description
        self.fields["product"].initial = ticket.product_id
        self.fields["fault_occurred_at"].initial = ticket.fault_occurred_at


# --- Photos and documents ---------------------------------------------------------------------


class AttachmentForm(forms.Form):
    """A photo or a document for a ticket; ``ticket_attachment_add`` checks the file (type
    by content, size, an image that decodes). A technician's phone opens its camera."""

    file = forms.FileField(label=_("Photo or document"), required=False)
    caption = forms.CharField(
        label=_("Caption"),
        max_length=200,
        required=False,
        help_text=_("What it shows, e.g. “rating plate” or “leak under the unit”."),
    )

    def __init__(
        self,
        *args,
        photos_only=False,
        limit_label="",
        max_bytes=None,
        too_large_message="",
        refused=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # ``refused``: the file was dropped while it streamed (uploads.UploadSkipOversize).
        self.refused_message = too_large_message if refused else None
        file = self.fields["file"]
        if max_bytes:
            # static/js/app.js says the same before a large file travels.
            file.widget.attrs.update(
                {"data-max-bytes": str(max_bytes), "data-msg-too-large": too_large_message}
            )
        if photos_only:
            file.label = _("Photo")
            file.widget.attrs.update({"accept": "image/*", "capture": "environment"})
            file.help_text = _("Take a photo or pick one: JPEG, PNG or WebP, at most %(limit)s.")
        else:
            file.widget.attrs["accept"] = "image/jpeg,image/png,image/webp,application/pdf"
            file.help_text = _("A photo (JPEG, PNG, WebP) or a PDF, at most %(limit)s.")
        file.help_text = file.help_text % {"limit": limit_label}

    def clean_file(self):
        if self.refused_message:
            raise ValidationError(self.refused_message, code="upload_refused")
        file = self.cleaned_data.get("file")
        if not file:
            raise ValidationError(_("Choose a photo or a PDF to upload."), code="required")
        return file


_TICKET_VERSION = re.compile(r"^[1-9][0-9]{0,17}:[1-9][0-9]{0,8}$")


class BulkActionForm(forms.Form):
    """The list's bulk actions (transfer owner, escalate) on the rows a person selected.

    Each selected row posts ``ticket=<id>:<version>``, the version the list showed, so each
    ticket's service call carries its own expected version (a ticket changed since the list
    was loaded is refused, not overwritten). ``list_query`` is the list's query string, to
    return to the same view, filters and page."""

    ACTIONS = (Action.TRANSFER_OWNER, Action.ESCALATE)

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    ticket = forms.MultipleChoiceField(
        required=True,
        error_messages={"required": _("Select at least one ticket.")},
    )
    owner = OwnerChoiceField(
        label=_("New owner"), queryset=get_user_model().objects.none(), required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)
    list_query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = desk_users()
        # Any "<id>:<version>" is a valid choice; whether the ticket may be acted on is the
        # services' decision, ticket by ticket.
        self.fields["ticket"].valid_value = lambda value: _TICKET_VERSION.match(value) is not None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == Action.TRANSFER_OWNER and not cleaned.get("owner"):
            self.add_error("owner", _("Choose the new owner of the selected tickets."))
        return cleaned

    def selected(self):
        """``[(ticket id, version)]`` in the order of the list, each ticket once."""
        pairs = {}
        for value in self.cleaned_data["ticket"]:
            pk, version = value.split(":")
            pairs.setdefault(int(pk), int(version))
        return list(pairs.items())


# --- Intake (受理) ---------------------------------------------------------------------------


class PhoneLookupForm(forms.Form):
    phone = forms.CharField(
        label=_("Customer's phone"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "off",
                "autofocus": True,
                # As-you-type lookup: the rest of the page answers for the number typed.
                "hx-get": reverse_lazy("ticket-create-page"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#intake-flow",
                "hx-sync": "this:replace",
                "hx-indicator": "#lookup-busy",
                "aria-describedby": "lookup-status",
            }
        ),
    )

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class CustomerContactForm(forms.Form):
    """A customer's contact details, edited on the customer page with ``customer_update``
    (which normalises the phone and keeps it unique)."""

    prefix = "contact"
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=400, required=False)
    area = forms.ModelChoiceField(
        label=_("Service area"), queryset=Area.objects.all(), required=False, empty_label="—"
    )
    language = forms.ChoiceField(
        label=_("Language for messages"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("SMS and e-mail to the customer are written in it."),
    )
    consent_service = forms.BooleanField(
        label=_("May be contacted about service"),
        required=False,
        help_text=_("Unticked: no visit notices by SMS or e-mail (pending ones are cancelled)."),
    )
    consent_marketing = forms.BooleanField(label=_("Agrees to marketing messages"), required=False)

    def __init__(self, *args, customer=None, **kwargs):
        if customer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": customer.name,
                    "phone": customer.phone,
                    "email": customer.email,
                    "address": customer.address,
                    "area": customer.area_id,
                    "language": customer.language,
                    "consent_service": customer.consent_service,
                    "consent_marketing": customer.consent_marketing,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = settings.LANGUAGE_CODE

    def clean_language(self):
        return self.cleaned_data["language"] or settings.LANGUAGE_CODE


class CustomerForm(CustomerContactForm):
    """A new customer, registered with ``customer_create`` (which normalises the phone)."""

    prefix = "customer"
    field_order = ["name", "phone", "email", "address", "area", "tier", "language"]
    tier = forms.ChoiceField(
        label=_("Customer tier"), choices=CustomerTier.choices, initial=CustomerTier.STANDARD
    )
    consent_service = None
    consent_marketing = None


class CustomerCorrectForm(forms.Form):
    """The right to correct: one personal value put right, with the reason
    (``customer_correct``)."""

    prefix = "correct"
    FIELD_LABELS = {
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("Email"),
        "address": _("Address"),
    }
    field = forms.ChoiceField(label=_("Field to correct"), choices=())
    value = forms.CharField(label=_("Correct value"), max_length=400)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=_textarea(2),
        help_text=_("What the customer asked for and how it was checked; kept in the audit trail."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [
            (name, self.FIELD_LABELS[name]) for name in CORRECTABLE_FIELDS
        ]


class ProductRegisterForm(forms.Form):
    """A unit registered with ``product_register`` during intake.

    Shown only when "Register a new product" is chosen, so its fields carry no HTML
    ``required``: the browser would refuse to submit the other modes over a hidden
    field. The server requires them when the mode is chosen (the view validates it then).
    """

    prefix = "product"
    use_required_attribute = False
    model = forms.ModelChoiceField(
        label=_("Product model"), queryset=ProductModel.objects.select_related("category")
    )
    serial_number = forms.CharField(label=_("Serial number"), max_length=64)
    purchase_date = forms.DateField(
        label=_("Purchase date"), widget=forms.DateInput(attrs={"type": "date"})
    )


NEW_PRODUCT = "new"
OUTCOME_OPEN = "open"
OUTCOME_RESOLVED = "resolved"


class TicketIntakeForm(forms.Form):
    """The request itself. ``product`` is one of the customer's units, "new", or none;
    ``outcome`` hands the ticket on for triage or records it resolved on the phone."""

    product = forms.ChoiceField(
        label=_("Product"), required=False, widget=forms.RadioSelect, choices=()
    )
    description = forms.CharField(
        label=_("Fault symptom / request"),
        max_length=5000,
        widget=_textarea(4),
    )
    fault_occurred_at = _datetime_field(_("Fault started"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=TicketCategory.choices, initial=TicketCategory.REPAIR
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Channel.choices if c[0] != Channel.API],
        initial=Channel.PHONE,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.P3)
    outcome = forms.ChoiceField(
        label=_("Outcome of the call"),
        choices=[
            (OUTCOME_OPEN, _("Hand on for triage")),
            (OUTCOME_RESOLVED, _("Resolved on the phone")),
        ],
        initial=OUTCOME_OPEN,
        required=False,  # not sent (an older form, a script): handed on for triage
        widget=forms.RadioSelect,
    )
    # Shown (and required) only with "Resolved on the phone": no HTML ``required``.
    resolution = forms.CharField(
        label=_("How it was solved"), max_length=5000, required=False, widget=_textarea(3)
    )
    fault_class = forms.ChoiceField(
        label=_("Fault class"), choices=[("", "—"), *FaultClass.choices], required=False
    )
    # The knowledge article (a published version's id) picked in the suggestion panel.
    article = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)
    page_only_fields = ("outcome", "resolution", "fault_class", "article")

    def __init__(self, *args, products=(), open_tickets=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Suggestions as the agent types (tickets.knowledge): the panel below the field.
        self.fields["description"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("ticket-create-suggestions"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#knowledge-suggestions",
                "hx-swap": "outerHTML",
                "hx-include": "[name=product]:checked, [name=article]:checked",
                "hx-sync": "this:replace",
            }
        )
        self.products = {str(p.pk): p for p in products}
        self.open_tickets = list(open_tickets)
        self.fields["product"].choices = [
            ("", _("No product")),
            *[(pk, str(p)) for pk, p in self.products.items()],
            (NEW_PRODUCT, _("Register a new product")),
        ]
        self.fields["product"].initial = next(iter(self.products), "")

    @property
    def registers_product(self):
        return self.data.get(self.add_prefix("product")) == NEW_PRODUCT

    @property
    def resolves_remotely(self):
        return self.is_bound and self.data.get(self.add_prefix("outcome")) == OUTCOME_RESOLVED

    def product_cards(self):
        """The product choices as cards: value, input id, checked, the unit (None for "no
        product" and "new") and its open tickets."""
        chosen = str(self["product"].value() or "")
        cards = []
        for index, (value, label) in enumerate(self.fields["product"].choices):
            unit = self.products.get(value)
            open_tickets = [t for t in self.open_tickets if unit and t.product_id == unit.pk]
            cards.append(
                {
                    "value": value,
                    "id": f"id_product_{index}",
                    "label": label,
                    "checked": value == chosen,
                    "product": unit,
                    "open_tickets": open_tickets,
                }
            )
        return cards

    def clean_article(self):
        value = self.cleaned_data.get("article") or ""
        if not value:
            return None
        version = published_version(value)
        if version is None:
            raise forms.ValidationError(_("This article is not published."))
        return version

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == OUTCOME_RESOLVED and not cleaned.get("resolution", "").strip():
            self.add_error("resolution", _("Say how the fault was solved on the phone."))
        return cleaned

    def ticket_kwargs(self):
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.page_only_fields}
        data["product"] = self.products.get(data["product"])
        return data

    def resolution_kwargs(self):
        """``ticket_intake_resolve_remotely``'s own arguments."""
        return {
            "resolution": self.cleaned_data["resolution"],
            "fault_class": self.cleaned_data["fault_class"],
            "article": self.cleaned_data.get("article"),
        }


# --- The dispatch board (/dispatch/) -------------------------------------------------------

BOARD_VIEWS = (
    ("day", pgettext_lazy("calendar view", "Day")),
    ("week", pgettext_lazy("calendar view", "Week")),
)


class BoardFilterForm(forms.Form):
    """The board's GET filters: the day (its week in the week view), area, outlet, skill.

    A bad value is reported beside its field and the board falls back to the default for
    it, so a typo never loses the other filters."""

    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    view = forms.ChoiceField(label=_("Show"), choices=BOARD_VIEWS, required=False)
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.all(), required=False, empty_label=_("All areas")
    )
    outlet = forms.ModelChoiceField(
        label=_("Outlet"), queryset=None, required=False, empty_label=_("All outlets")
    )
    skill = forms.ModelChoiceField(
        label=_("Certified for"),
        queryset=None,
        required=False,
        empty_label=_("Any product category"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = StockLocation.objects.filter(
            kind=LocationKind.OUTLET
        ).order_by("name")
        self.fields["skill"].queryset = ProductCategory.objects.all()

    def clean_date(self):
        day = self.cleaned_data.get("date")
        # Far from the ends of Python's calendar: the board steps a week either way.
        if day and not day_in_range(day):
            raise ValidationError(_("Choose a day between 1900 and 2999."))
        return day

    def value(self, name, default=None):
        """The cleaned value of ``name``, or ``default`` when it is missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class BoardBookingForm(forms.Form):
    """One booking on the board: a ticket, a technician and a window. Dragging a ticket
    or a job posts the same fields as the keyboard form. A triaged ticket is dispatched,
    a dispatched one rescheduled (``reason`` then goes on its timeline)."""

    ticket = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    technician = TechnicianChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.none(),
        empty_label=_("Choose a technician"),
    )
    appointment_start = _datetime_field(_("Visit from"))
    appointment_end = _datetime_field(_("Visit until"))
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["technician"]
        field.queryset = Technician.objects.active().only("full_name", "employee_no")
        if candidates is not None:
            field.rank(candidates)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("appointment_start"), cleaned.get("appointment_end")
        if start and end and end <= start:
            self.add_error("appointment_end", _("The appointment must end after it starts."))
        return cleaned


# --- The technician's job page ---------------------------------------------------------------


class OnMyWayForm(forms.Form):
    eta_minutes = forms.TypedChoiceField(
        label=_("Arriving in about"),
        coerce=int,
        choices=[],
        initial=30,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eta_minutes"].choices = [
            (n, _("%(n)s minutes") % {"n": n}) for n in ETA_CHOICES_MINUTES
        ]


class JobCheckInForm(CheckInForm):
    """The check-in of the job page: outside the booked window the technician confirms
    the warning first (``ticket_check_in`` refuses it unconfirmed)."""

    outside_window_confirmed = forms.BooleanField(
        label=_("Check in anyway: I have agreed this time with the customer"), required=False
    )


class JobPhotoForm(AttachmentForm):
    photo_kind = forms.ChoiceField(
        label=_("The photo shows"), choices=PhotoKind.choices, initial=PhotoKind.BEFORE
    )
    field_order = ["photo_kind", "file", "caption"]


MAX_PART_LINES = 20
CHARGED, FREE = "charged", "free"


class JobCompleteForm(TicketActionForm):
    """The work record: a fault code from the catalogue of the unit's category, the
    diagnosis, the work done, the category's checklist and the parts used picked from
    the technician's van (``line_*`` lists, one entry per line; quantity 0 drops a line).

    ``van_levels`` maps part id → the van's ``StockLevel`` (with its part) for the lines
    posted; ``charged_rule(part)`` says whether a part is charged on this ticket."""

    fault_code = forms.ChoiceField(label=_("Fault code"), choices=[])
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=5000, widget=_textarea(3))
    work_done = forms.CharField(label=_("Work done"), max_length=5000, widget=_textarea(3))
    test_passed = forms.TypedChoiceField(
        label=_("Test in front of the customer"),
        choices=[("true", _("Passed")), ("false", _("Failed"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    checklist = forms.TypedMultipleChoiceField(
        label=_("Checklist"),
        coerce=int,
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args, ticket, fault_codes, checklist_items, van_levels, charged_rule, **kwargs
    ):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fault_codes = {str(code.pk): code for code in fault_codes}
        self.fields["fault_code"].choices = [("", "—")] + [
            (pk, f"{code.code} · {code.description}") for pk, code in self.fault_codes.items()
        ]
        self.fields["checklist"].choices = [(item.pk, item.label) for item in checklist_items]
        self.van_levels = van_levels
        self.charged_rule = charged_rule
        self.lines = self._posted_lines()

    def _posted_lines(self):
        """The part lines as posted (for showing them again), each with its van level."""
        if not self.is_bound:
            return []
        data = self.data
        columns = [data.getlist(f"line_{name}") for name in ("part", "quantity", "charged")]
        serials = [data.getlist("line_fitted"), data.getlist("line_removed")]
        lines = []
        for index, part_id in enumerate(columns[0][:MAX_PART_LINES]):
            level = self.van_levels.get(int(part_id)) if is_digits(part_id) else None
            if level is None:
                continue

            def value(column, index=index):
                return column[index] if index < len(column) else ""

            lines.append(
                part_line(
                    level,
                    charged_rule=self.charged_rule,
                    quantity=value(columns[1]),
                    charged=value(columns[2]),
                    fitted=value(serials[0]).strip(),
                    removed=value(serials[1]).strip(),
                )
            )
        return lines

    def clean(self):
        cleaned = super().clean()
        code = self.fault_codes.get(cleaned.get("fault_code") or "")
        cleaned["fault"] = code
        problems, parts_used = [], []
        for number, line in enumerate(self.lines, start=1):
            quantity = line["quantity"]
            if not is_digits(str(quantity)) or int(quantity) > 1000:
                problems.append(_("Line %(n)s: the quantity is a whole number.") % {"n": number})
                continue
            if int(quantity) == 0:
                continue
            if len(line["fitted"]) > 64 or len(line["removed"]) > 64:
                problems.append(_("Line %(n)s: a serial is at most 64 characters.") % {"n": number})
                continue
            parts_used.append(
                {
                    "part": line["part"],
                    "quantity": int(quantity),
                    "charged": line["charged"] == CHARGED,
                    "fitted_serial": line["fitted"],
                    "removed_serial": line["removed"],
                }
            )
        if problems:
            self.add_error(None, problems)
        cleaned["parts_used"] = parts_used
        return cleaned

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "fault_class": data["fault"].fault_class,
            "fault_code": data["fault"].code,
            "diagnosis": data["diagnosis"],
            "work_done": data["work_done"],
            "test_passed": data["test_passed"],
            "parts_used": data["parts_used"],
        }


def part_line(level, *, charged_rule, quantity=1, charged="", fitted="", removed=""):
    """One picked part as the completion form shows it: the van's level, the price and
    whether it is charged (a part the rule charges cannot be made free)."""
    part = level.part
    forced = charged_rule(part)
    return {
        "part": part,
        "available": level.on_hand - level.reserved,
        "quantity": quantity,
        "charged": CHARGED if forced or charged == CHARGED else FREE,
        "forced": forced,
        "fitted": fitted,
        "removed": removed,
    }
