"""Intake (受理): find or register the customer, optionally a product, then the request."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import forms, services
from ..selectors import customer_list, ticket_list
from .common import DESK, role_required


def _intake_customer(request, customer_id):
    if not customer_id:
        return None
    if not str(customer_id).isdigit():
        raise Http404
    return get_object_or_404(
        customer_list(user=request.user).filter(erased_at__isnull=True), pk=customer_id
    )


def _create_from_intake(request, *, customer, customer_form, product_form, intake):
    """Register what is new and record the ticket, all or nothing.

    Returns the ticket, or None with the service's errors attached to the form they
    belong to.
    """
    try:
        return services.ticket_intake(
            actor=request.user,
            customer=customer,
            new_customer=customer_form.cleaned_data if customer is None else None,
            new_product=product_form.cleaned_data if product_form is not None else None,
            **intake.ticket_kwargs(),
        )
    except services.IntakeRejected as exc:
        stage = {"customer": customer_form, "product": product_form}.get(exc.part, intake)
        forms.add_service_errors(stage, exc)
    return None


@role_required(*DESK)
def ticket_create_page(request):
    """Find the customer by phone (or register them), optionally a product, then the request.

    GET ``?phone=`` looks the customer up; the POST carries either the found customer's id
    or the new customer's fields, and creates everything in one transaction.
    """
    lookup = forms.PhoneLookupForm(request.GET or None)
    customer_form = None
    if request.method == "POST":
        data = request.POST
        customer = _intake_customer(request, data.get("customer"))
        if customer is None:
            customer_form = forms.CustomerForm(data)
        searched = True
    else:
        data = None
        customer = _intake_customer(request, request.GET.get("customer"))
        if customer is None and lookup.is_valid():
            phone = lookup.cleaned_data["phone"]
            customer = (
                customer_list(user=request.user, phone=phone)
                .filter(phone=phone, erased_at__isnull=True)
                .first()
            )
            if customer is None:
                customer_form = forms.CustomerForm(initial={"phone": phone})
        searched = customer is not None or customer_form is not None
    products = list(customer.products.select_related("model")) if customer else []
    intake = forms.TicketIntakeForm(data, products=products)
    registers_product = intake.registers_product
    product_form = forms.ProductRegisterForm(data if registers_product else None)
    status = 200
    if request.method == "POST":
        forms_used = [intake, customer_form, product_form if registers_product else None]
        # Validate every form (no short-circuit) so that all their errors show at once.
        valid = [form.is_valid() for form in forms_used if form is not None]
        if all(valid):
            ticket = _create_from_intake(
                request,
                customer=customer,
                customer_form=customer_form,
                product_form=product_form if registers_product else None,
                intake=intake,
            )
            if ticket is not None:
                messages.success(
                    request,
                    _("Ticket %(number)s recorded; you are its first-contact owner.")
                    % {"number": ticket.number},
                )
                return redirect("ticket-detail-page", pk=ticket.pk)
        status = 400
    recent = (
        list(ticket_list(user=request.user).filter(customer=customer).order_by("-id")[:5])
        if customer
        else []
    )
    return render(
        request,
        "tickets/ticket_create.html",
        {
            "lookup": lookup,
            "customer": customer,
            "customer_form": customer_form,
            "product_form": product_form,
            "intake": intake,
            "recent": recent,
            "searched": searched,
            "failed": status != 200,
        },
        status=status,
    )
