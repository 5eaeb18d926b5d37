"""The desk's service-contract pages (README "Warranty and service contracts"): the list,
one contract with the tickets it covered, and the create, renew and cancel forms.
Supervisors write, agents and auditors read; every write is a ``tickets.warranty`` service."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role

from ..forms import add_service_errors
from ..models import Customer
from ..warranty import services
from ..warranty.choices import ContractKind, ContractStatus
from ..warranty.models import ServiceContract
from ..warranty.selectors import contracts_list
from .common import PAGE_SIZE, role_required

READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
_date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(forms.Form):
    products = forms.MultipleChoiceField(
        label=gettext_lazy("Units"), widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ContractKind.choices)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=_date)
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=_date)
    fee = forms.DecimalField(
        label=gettext_lazy("Fee (CNY)"), max_digits=10, decimal_places=2, min_value=0
    )
    visits_included = forms.IntegerField(
        label=gettext_lazy("Visits included"),
        min_value=0,
        max_value=999,
        required=False,
        help_text=gettext_lazy("Leave empty for unlimited visits."),
    )
    covers_parts = forms.BooleanField(label=gettext_lazy("Covers parts"), required=False)
    covers_labour = forms.BooleanField(label=gettext_lazy("Covers labour"), required=False)
    covers_callout = forms.BooleanField(label=gettext_lazy("Covers call-out"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.units = {p.pk: p for p in customer.products.select_related("model")}
        self.fields["products"].choices = [
            (p.pk, f"{p.model.name} · {p.serial_number}") for p in self.units.values()
        ]

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["products"] = [self.units[int(pk)] for pk in data["products"]]
        return data


class RenewForm(forms.Form):
    ends_on = forms.DateField(
        label=gettext_lazy("Renewal ends on"),
        required=False,
        widget=_date,
        help_text=gettext_lazy("Empty: as long as this contract."),
    )
    fee = forms.DecimalField(
        label=gettext_lazy("Renewal fee (CNY)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=gettext_lazy("Empty: the same fee."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _may_write(user):
    return has_role(user, Role.SUPERVISOR)


@role_required(*READERS)
def contract_list_page(request):
    status = request.GET.get("status", "")
    if status not in ContractStatus.values:
        status = ""
    query = request.GET.get("q", "").strip()[:64]
    contracts = list(contracts_list(status=status, query=query)[:PAGE_SIZE])
    return render(
        request,
        "warranty/contract_list.html",
        {
            "contracts": contracts,
            "status": status,
            "query": query,
            "statuses": ContractStatus.choices,
            "may_write": _may_write(request.user),
        },
    )


@role_required(*READERS)
def contract_detail_page(request, pk):
    contract = get_object_or_404(
        contracts_list().select_related("renewed_from", "created_by"), pk=pk
    )
    return _render_detail(request, contract)


def _render_detail(request, contract, *, renew=None, cancel=None, status=200):
    renewal = ServiceContract.objects.filter(renewed_from=contract).first()
    covered = contract.ticket_records.select_related("ticket").order_by("-decided_at")[:50]
    may_write = _may_write(request.user)
    return render(
        request,
        "warranty/contract_detail.html",
        {
            "contract": contract,
            "renewal": renewal,
            "products": contract.products.select_related("model"),
            "covered": covered,
            "may_write": may_write,
            # A refused form stays on the page with its message, whatever the state now.
            "may_renew": may_write
            and (renew is not None or (renewal is None and contract.status != "cancelled")),
            "may_cancel": may_write
            and (cancel is not None or contract.status == ContractStatus.ACTIVE),
            "renew_form": renew or RenewForm(),
            "cancel_form": cancel or CancelForm(),
        },
        status=status,
    )


@role_required(Role.SUPERVISOR)
def contract_create_page(request):
    customer = get_object_or_404(
        Customer.objects.active(), pk=request.GET.get("customer") or request.POST.get("customer")
    )
    today = timezone.localdate()
    initial = {
        "starts_on": today,
        "ends_on": today.replace(year=today.year + 1) - datetime.timedelta(days=1),
        "fee": Decimal("0.00"),
        "covers_parts": True,
        "covers_labour": True,
        "covers_callout": True,
        "visits_included": 2,
    }
    form = ContractForm(request.POST or None, customer=customer, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                contract = services.contract_create(
                    actor=request.user, customer=customer, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Contract %(number)s signed.") % {"number": contract.number}
                )
                return redirect("warranty-contract-detail", pk=contract.pk)
        status = 400
    return render(
        request,
        "warranty/contract_form.html",
        {"form": form, "customer": customer},
        status=status,
    )


@require_POST
@role_required(Role.SUPERVISOR)
def contract_renew_page(request, pk):
    contract = get_object_or_404(contracts_list(), pk=pk)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            renewal = services.contract_renew(
                contract=contract,
                actor=request.user,
                ends_on=form.cleaned_data["ends_on"],
                fee=form.cleaned_data["fee"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Renewed as contract %(number)s.") % {"number": renewal.number}
            )
            return redirect("warranty-contract-detail", pk=renewal.pk)
    return _render_detail(request, contract, renew=form, status=400)


@require_POST
@role_required(Role.SUPERVISOR)
def contract_cancel_page(request, pk):
    contract = get_object_or_404(contracts_list(), pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.contract_cancel(
                contract=contract, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Contract %(number)s cancelled.") % {"number": contract.number}
            )
            return redirect("warranty-contract-detail", pk=contract.pk)
    return _render_detail(request, contract, cancel=form, status=400)


def urls():
    """The pages' routes (tickets/urls.py)."""
    return [
        path("contracts/", contract_list_page, name="warranty-contract-list"),
        path("contracts/new/", contract_create_page, name="warranty-contract-create"),
        path("contracts/<int:pk>/", contract_detail_page, name="warranty-contract-detail"),
        path("contracts/<int:pk>/renew/", contract_renew_page, name="warranty-contract-renew"),
        path("contracts/<int:pk>/cancel/", contract_cancel_page, name="warranty-contract-cancel"),
    ]
