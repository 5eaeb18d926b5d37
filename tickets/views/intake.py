"""Intake (受理): find or register the customer, optionally a product, then the request.

The phone field looks the customer up as the agent types (htmx answers the rest of the
page as a fragment); choosing a unit shows at once whether it already has an open ticket
(the same warning the server gives on submit). Without JavaScript the "Find customer"
button and a refused submit do the same.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftersales.text import is_digits
from tickets.knowledge.search import suggest
from tickets.models import Product

from .. import forms, services
from ..selectors import customer_list, customer_tickets, open_tickets_of
from .common import DESK, role_required


def _intake_customer(request, customer_id):
    if not customer_id:
        return None
    if not is_digits(str(customer_id)):
        raise Http404
    return get_object_or_404(
        customer_list(user=request.user).filter(erased_at__isnull=True), pk=customer_id
    )


def _customer_by_phone(user, phone):
    """The customer with the (normalised) phone ``phone``, if ``user`` may see them."""
    return customer_list(user=user, phone=phone).filter(phone=phone, erased_at__isnull=True).first()


def _open_warning(*, product_value, open_tickets):
    """The open tickets intake warns about: the chosen unit's, or with no unit chosen the
    customer's (a new unit has none)."""
    if product_value == forms.NEW_PRODUCT:
        return []
    if product_value:
        return [t for t in open_tickets if str(t.product_id) == str(product_value)]
    return list(open_tickets)


def _acknowledged(data):
    """The open tickets the agent chose to record a new ticket beside ("record anyway")."""
    values = ",".join(data.getlist("acknowledged")).split(",")
    return {int(value) for value in values if is_digits(value)}


def _create_from_intake(request, *, customer, customer_form, product_form, intake):
    """Register what is new and record the ticket (resolved on the phone when chosen), all
    or nothing.

    Returns the ticket, or None with the service's errors attached to the form they
    belong to.
    """
    arguments = {
        "actor": request.user,
        "customer": customer,
        "new_customer": customer_form.cleaned_data if customer is None else None,
        "new_product": product_form.cleaned_data if product_form is not None else None,
        **intake.ticket_kwargs(),
    }
    try:
        if intake.resolves_remotely:
            return services.ticket_intake_resolve_remotely(
                **arguments, **intake.resolution_kwargs()
            )
        return services.ticket_intake(**arguments)
    except services.IntakeRejected as exc:
        stage = {"customer": customer_form, "product": product_form}.get(exc.part, intake)
        forms.add_service_errors(stage, exc)
    return None


def _recorded_message(ticket):
    if ticket.resolution:
        return _(
            "Ticket %(number)s recorded and resolved on the phone; it now awaits the "
            "customer's confirmation. You are its first-contact owner."
        ) % {"number": ticket.number}
    return _("Ticket %(number)s recorded; you are its first-contact owner.") % {
        "number": ticket.number
    }


@role_required(*DESK)
def ticket_create_page(request):
    """Find the customer by phone (or register them), optionally a product, then the request.

    GET ``?phone=`` looks the customer up (as a fragment for the as-you-type lookup); the
    POST carries either the found customer's id or the new customer's fields, and creates
    everything in one transaction. A unit (or, without one, a customer) with an open ticket
    is refused with the warning until the agent ticks "Record anyway".
    """
    # Only a phone typed in is looked up: arriving with ``?customer=`` (from the customer page)
    # is no empty lookup to complain about.
    lookup = forms.PhoneLookupForm(request.GET if "phone" in request.GET else None)
    as_you_type = request.method == "GET" and request.htmx and request.htmx.target == "intake-flow"
    customer_form = None
    phone = None
    if request.method == "POST":
        data = request.POST
        customer = _intake_customer(request, data.get("customer"))
        if customer is None:
            customer_form = forms.CustomerForm(data)
        searched = True
    else:
        data = None
        customer = None if as_you_type else _intake_customer(request, request.GET.get("customer"))
        if customer is None and lookup.is_valid():
            phone = lookup.cleaned_data["phone"]
            customer = _customer_by_phone(request.user, phone)
            if customer is None and not as_you_type:
                customer_form = forms.CustomerForm(initial={"phone": phone})
        searched = customer is not None or customer_form is not None
    products = list(customer.products.select_related("model")) if customer else []
    open_tickets = list(open_tickets_of(customer=customer)) if customer else []
    intake = forms.TicketIntakeForm(data, products=products, open_tickets=open_tickets)
    registers_product = intake.registers_product
    product_form = forms.ProductRegisterForm(data if registers_product else None)
    status = 200
    product_value = str(intake["product"].value() or "")
    warning = _open_warning(product_value=product_value, open_tickets=open_tickets)
    warning_refused = False
    if request.method == "POST":
        forms_used = [intake, customer_form, product_form if registers_product else None]
        # Validate every form (no short-circuit) so that all their errors show at once.
        valid = [form.is_valid() for form in forms_used if form is not None]
        acknowledged = _acknowledged(data)
        warning_refused = any(t.pk not in acknowledged for t in warning)
        if all(valid) and not warning_refused:
            ticket = _create_from_intake(
                request,
                customer=customer,
                customer_form=customer_form,
                product_form=product_form if registers_product else None,
                intake=intake,
            )
            if ticket is not None:
                messages.success(request, _recorded_message(ticket))
                return redirect("ticket-detail-page", pk=ticket.pk)
        status = 400
    recent = list(customer_tickets(user=request.user, customer=customer)[:5]) if customer else []
    context = {
        "lookup": lookup,
        "customer": customer,
        "customer_form": customer_form,
        "product_form": product_form,
        "intake": intake,
        "recent": recent,
        "searched": searched,
        "failed": status != 200,
        "warning": _warning_context(warning, unit=bool(product_value)),
        "warning_refused": warning_refused,
        "acknowledged": data.getlist("acknowledged") if data else [],
        "as_you_type": as_you_type,
        "phone": phone,
        "phone_invalid": bool(lookup.is_bound and not lookup.is_valid()),
        **intake_suggestions_context(
            description=data.get("description", "") if data else "",
            product=product_value,
            picked=data.get("article", "") if data else "",
        ),
    }
    if as_you_type:
        return render(request, "tickets/_intake_flow.html", context)
    return render(request, "tickets/ticket_create.html", context, status=status)


def _warning_context(tickets, *, unit):
    if not tickets:
        return None
    return {
        "tickets": tickets,
        "unit": unit,
        "ids": ",".join(str(t.pk) for t in tickets),
    }


@role_required(*DESK)
def intake_open_tickets(request):
    """The open-ticket warning for the unit just chosen on the intake form (htmx)."""
    customer = _intake_customer(request, request.GET.get("customer"))
    if customer is None:
        raise Http404
    product_value = request.GET.get("product", "")
    warning = _open_warning(
        product_value=product_value, open_tickets=open_tickets_of(customer=customer)
    )
    return render(
        request,
        "tickets/_intake_open_tickets.html",
        {"warning": _warning_context(warning, unit=bool(product_value)), "acknowledged": []},
    )


def _category_of_product(value):
    if not value or not is_digits(str(value)):
        return None
    return Product.objects.filter(pk=value).values_list("model__category_id", flat=True).first()


def intake_suggestions_context(*, description, product, picked=""):
    """The suggestion panel's context: the published articles matching the symptom typed,
    of the chosen unit's category (all categories without a unit)."""
    description = (description or "").strip()[:1000]
    found = suggest(description, category_id=_category_of_product(product)) if description else []
    return {"suggestions": found, "picked": str(picked or "")}


@role_required(*DESK)
def intake_suggestions(request):
    """The knowledge articles for the symptom being typed at intake (htmx, debounced)."""
    context = intake_suggestions_context(
        description=request.GET.get("description", ""),
        product=request.GET.get("product", ""),
        picked=request.GET.get("article", ""),
    )
    return render(request, "knowledge/_suggestions.html", context)
