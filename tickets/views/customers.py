"""The customer page (客户档案): contact details, registered units with their service
history, open tickets, the messages sent, and the desk's three writes — edit the contact
details, register a unit, correct a personal value (the right to correct).

Each write is a form posted to its own URL: valid, it redirects back to the page (htmx:
``HX-Redirect``); refused, it answers the page again with the form open and its errors
(htmx: only the form, which swaps itself in). The reads are a fixed number of queries
whatever the number of units, tickets or messages.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.platform.selectors import customer_notifications
from aftersales.roles import Role, has_role
from audits.personal import KeyRing
from audits.selectors import audit_event_changes

from .. import forms, services
from ..choices import OPEN_STATUSES
from ..presenters import PiiReads, customer_contact, message_address, pii_reads_record
from ..selectors import customer_list, customer_record_events, customer_tickets
from ..warranty.selectors import units_warranty
from .common import DESK, role_required

RECORD_ACTIONS = {
    "customer.created": gettext_lazy("Registered"),
    "customer.updated": gettext_lazy("Contact details edited"),
    "customer.corrected": gettext_lazy("Data corrected"),
    "customer.consent_withdrawn": gettext_lazy("Consent withdrawn"),
    "customer.erased": gettext_lazy("Personal data erased"),
    # Stored value → the one an intake submitted; the record itself was kept.
    "customer.intake_differs": gettext_lazy("Intake gave details that differ from the record"),
}
FIELD_LABELS = {
    **forms.CustomerCorrectForm.FIELD_LABELS,
    "area_id": gettext_lazy("Service area"),
    "area": gettext_lazy("Service area"),
    "tier": gettext_lazy("Customer tier"),
    "language": gettext_lazy("Language for messages"),
    "consent_service": gettext_lazy("May be contacted about service"),
    "consent_marketing": gettext_lazy("Agrees to marketing messages"),
}
# The page's forms, by name: the template of each form alone (what htmx swaps).
EDIT, PRODUCT, CORRECT = "edit", "product", "correct"
FORM_TEMPLATES = {
    EDIT: "tickets/customer/_contact_form.html",
    PRODUCT: "tickets/customer/_product_form.html",
    CORRECT: "tickets/customer/_correct_form.html",
}


def _customer(request, pk):
    return get_object_or_404(customer_list(user=request.user), pk=pk)


def _blank_forms(customer):
    return {
        EDIT: forms.CustomerContactForm(customer=customer),
        PRODUCT: forms.ProductRegisterForm(use_required_attribute=True),
        CORRECT: forms.CustomerCorrectForm(),
    }


def _units(customer, tickets):
    """The customer's units, each with its service history (tickets newest first), and
    the tickets filed against no unit."""
    history = {}
    for ticket in tickets:
        history.setdefault(ticket.product_id, []).append(ticket)
    products = list(customer.products.select_related("model").order_by("-purchase_date", "-id"))
    warranty = units_warranty(products)  # each scope's end and the contracts (four queries)
    units = [
        {"product": p, "tickets": history.get(p.pk, []), "warranty": warranty[p.pk]}
        for p in products
    ]
    return units, history.get(None, [])


def _record_changes(customer, user):
    """The latest changes to the record as ``user`` may see them: field labels with
    before/after values (personal ones decrypted for the desk, masked otherwise)."""
    keys = KeyRing()
    rows = []
    for event in customer_record_events(customer=customer):
        changes = audit_event_changes(event=event, user=user, keys=keys)
        fields = []
        for name, value in changes.items():
            if name in FIELD_LABELS and isinstance(value, list) and len(value) == 2:
                fields.append({"label": FIELD_LABELS[name], "before": value[0], "after": value[1]})
        rows.append(
            {
                "event": event,
                "label": RECORD_ACTIONS.get(event.action, event.action),
                "fields": fields,
                "reason": changes.get("reason", ""),
            }
        )
    return rows


def _render_page(request, customer, *, bound=None, status=200):
    """The whole page; ``bound`` is the (form name, form) that was just refused, shown open."""
    user = request.user
    desk = has_role(user, *DESK) and customer.erased_at is None
    reads = PiiReads()
    contact, unmasked = customer_contact(user=user, customer=customer, reads=reads)
    tickets = list(customer_tickets(user=user, customer=customer))
    units, unfiled = _units(customer, tickets)
    log = list(customer_notifications(customer_id=customer.pk))
    for row in log:
        row.shown_address = message_address(
            user=user, notification=row, ticket=row.ticket, reads=reads
        )
    page_forms = _blank_forms(customer) if desk else {}
    if bound:
        page_forms[bound[0]] = bound[1]
    context = {
        "customer": customer,
        "contact": contact,
        "unmasked": unmasked,
        "desk": desk,
        "may_sign_contract": has_role(user, Role.SUPERVISOR) and customer.erased_at is None,
        "units": units,
        "unfiled": unfiled,
        "open_tickets": [(t, t.sla_state()) for t in tickets if t.status in OPEN_STATUSES],
        "ticket_count": len(tickets),
        "log": log,
        "record": _record_changes(customer, user),
        "forms": page_forms,
        "open_form": bound[0] if bound else None,
    }
    response = render(request, "tickets/customer_detail.html", context, status=status)
    pii_reads_record(actor=user, reads=reads)
    return response


@role_required(*DESK, Role.AUDITOR)
def customer_detail_page(request, pk):
    """One customer: contact details, registered products and their service history, open
    tickets, the communication log; the desk's forms (auditors read, masked)."""
    return _render_page(request, _customer(request, pk))


def _submit(request, pk, name, make_form, call, success):
    """Validate ``name``'s form, call its service, redirect back or show the errors."""
    customer = _customer(request, pk)
    form = make_form(request.POST, customer=customer)
    if form.is_valid():
        try:
            call(customer, form.cleaned_data)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, success)
            if request.htmx:
                return HttpResponseClientRedirect(reverse("customer-detail-page", args=[pk]))
            return redirect("customer-detail-page", pk=customer.pk)
    if request.htmx:
        return render(
            request,
            FORM_TEMPLATES[name],
            {"customer": customer, "form": form, "open_form": name},
            status=400,
        )
    return _render_page(request, customer, bound=(name, form), status=400)


@require_POST
@role_required(*DESK)
def customer_edit_page(request, pk):
    """Edit the contact details (``customer_update``)."""
    return _submit(
        request,
        pk,
        EDIT,
        lambda data, customer: forms.CustomerContactForm(data, customer=customer),
        lambda customer, data: services.customer_update(
            customer=customer, actor=request.user, **data
        ),
        _("Contact details saved."),
    )


@require_POST
@role_required(*DESK)
def customer_product_page(request, pk):
    """Register a unit for the customer (``product_register``)."""
    return _submit(
        request,
        pk,
        PRODUCT,
        lambda data, customer: forms.ProductRegisterForm(data, use_required_attribute=True),
        lambda customer, data: services.product_register(
            actor=request.user, customer=customer, **data
        ),
        _("Product registered."),
    )


@require_POST
@role_required(*DESK)
def customer_correct_page(request, pk):
    """Correct one personal value with the reason (``customer_correct``)."""
    return _submit(
        request,
        pk,
        CORRECT,
        lambda data, customer: forms.CustomerCorrectForm(data),
        lambda customer, data: services.customer_correct(
            customer=customer, actor=request.user, **data
        ),
        _("Correction recorded."),
    )
