"""The charges' pages (tickets.charges): the quote on the technician's job page, the
payment and receipt on the phone and at the desk, refunds at the desk, the price list
for supervisors and the published standards for customers (``/service/prices/``).

Every form posts here and goes through ``tickets.charges.services``; a refusal comes back
as a message on the page it was posted from (the job page's quote card, the ticket page's
charges card)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.roles import Role, has_role
from parts.models import Part
from parts.selectors import van_stock_for_job
from tickets.charges import receipts, selectors, services
from tickets.charges.choices import PaymentMethod, PriceListStatus, RefundStatus
from tickets.charges.links import ReceiptLinkRefused, receipt_link_receipt
from tickets.charges.models import PriceList, Quote
from tickets.choices import TicketCategory
from tickets.models import ProductCategory

from .common import role_required
from .field_job import _job

DESK_MONEY = (Role.AGENT, Role.SUPERVISOR, Role.FINANCE)
PRICE_READERS = (Role.AGENT, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)


def _error(request, exc):
    if isinstance(exc, ValidationError):
        text = " ".join(str(m) for m in exc.messages)
    else:
        text = exc.message
    messages.error(request, text)


def _decimal(value):
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _run(request, call):
    """Call a service; a refusal becomes the page's message (403 stays 403)."""
    try:
        return call(), True
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (ApplicationError, ValidationError) as exc:
        _error(request, exc)
        return None, False


# --- The quote on the technician's job page -------------------------------------


def quote_parts_choices(ticket):
    """The van's parts the quote may list (those in stock), with their coverage."""
    return list(van_stock_for_job(ticket=ticket))


@role_required(Role.TECHNICIAN)
@require_POST
def job_quote_create(request, pk):
    """Build (or rebuild) the quote: the distance, and a quantity per van part."""
    ticket = _job(request, pk)
    km_raw = request.POST.get("travel_km", "").strip()
    km = _decimal(km_raw) if km_raw else None
    if km_raw and km is None:
        messages.error(request, _("Enter the distance in kilometres, e.g. 12.5."))
        return redirect(reverse("job-page", args=[pk]) + "#quote")
    parts = []
    for level in quote_parts_choices(ticket):
        raw = request.POST.get(f"qty_{level.part_id}", "").strip()
        if raw.isdigit() and int(raw) > 0:
            parts.append(
                {
                    "part": level.part,
                    "quantity": min(int(raw), 99),
                    "charged": request.POST.get(f"charge_{level.part_id}") == "1",
                }
            )
    version = request.POST.get("version", "")
    quote, ok = _run(
        request,
        lambda: services.quote_create(
            ticket=ticket,
            actor=request.user,
            travel_km=km,
            parts=parts,
            expected_version=int(version) if version.isdigit() else None,
        ),
    )
    if ok:
        messages.success(
            request,
            _("Quote %(number)s ready: hand the phone to the customer to approve or decline.")
            % {"number": quote.number},
        )
    return redirect(reverse("job-page", args=[pk]) + "#quote")


def _job_quote(request, pk, quote_id):
    ticket = _job(request, pk)
    return ticket, get_object_or_404(Quote.objects.select_related("ticket"), pk=quote_id,
                                     ticket=ticket)  # fmt: skip


def _version(request):
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@role_required(Role.TECHNICIAN)
@require_POST
def job_quote_approve(request, pk, quote_id):
    _ticket, quote = _job_quote(request, pk, quote_id)
    _quote, ok = _run(
        request,
        lambda: services.quote_approve(
            quote=quote,
            actor=request.user,
            signature=request.POST.get("signature", ""),
            signer_name=request.POST.get("signer_name", "").strip(),
            expected_version=_version(request),
        ),
    )
    if ok:
        messages.success(request, _("The customer approved the quote: you can do the work."))
        return redirect(reverse("job-page", args=[pk]) + "#work-record")
    return redirect(reverse("job-page", args=[pk]) + "#quote")


@role_required(Role.TECHNICIAN)
@require_POST
def job_quote_decline(request, pk, quote_id):
    _ticket, quote = _job_quote(request, pk, quote_id)
    _quote, ok = _run(
        request,
        lambda: services.quote_decline(
            quote=quote,
            actor=request.user,
            reason=request.POST.get("reason", "").strip(),
            expected_version=_version(request),
        ),
    )
    if ok:
        messages.success(
            request,
            _("The customer declined: record the visit without the charged work."),
        )
        return redirect(reverse("job-page", args=[pk]) + "#work-record")
    return redirect(reverse("job-page", args=[pk]) + "#quote")


# --- Payments, receipts, refunds -------------------------------------------------


def _pay(request, ticket):
    method = request.POST.get("method", "")
    amount = _decimal(request.POST.get("amount", ""))
    if amount is None:
        messages.error(request, _("Enter the amount received."))
        return None
    receipt, ok = _run(
        request,
        lambda: services.payment_record(
            ticket=ticket,
            actor=request.user,
            amount=amount,
            method=method,
            reference=request.POST.get("reference", "").strip(),
        ),
    )
    if ok:
        messages.success(
            request,
            _("Payment recorded: receipt %(number)s issued.") % {"number": receipt.number},
        )
    return receipt


@role_required(Role.TECHNICIAN)
@require_POST
def job_payment(request, pk):
    """The technician records the customer's payment on the phone; the receipt follows."""
    ticket = _job(request, pk)
    _pay(request, ticket)
    back = request.POST.get("back", "")
    if back == "sign":
        return redirect("job-sign-page", pk=pk)
    return redirect(reverse("job-page", args=[pk]) + "#charges")


def _desk_ticket(request, pk):
    return get_object_or_404(selectors.charge_tickets(user=request.user), pk=pk)


@role_required(*DESK_MONEY)
@require_POST
def desk_payment(request, pk):
    ticket = _desk_ticket(request, pk)
    _pay(request, ticket)
    return redirect(reverse("ticket-detail-page", args=[pk]) + "#charges")


@role_required(*services.REFUND_REQUEST_ROLES)
@require_POST
def desk_refund_request(request, pk):
    ticket = _desk_ticket(request, pk)
    payment = get_object_or_404(ticket.payments.all(), pk=request.POST.get("payment") or 0)
    amount = _decimal(request.POST.get("amount", ""))
    if amount is None:
        messages.error(request, _("Enter the amount to refund."))
    else:
        _refund, ok = _run(
            request,
            lambda: services.refund_request(
                payment=payment,
                actor=request.user,
                amount=amount,
                reason=request.POST.get("reason", ""),
            ),
        )
        if ok:
            messages.success(request, _("Refund requested: a supervisor or finance decides."))
    return redirect(reverse("ticket-detail-page", args=[pk]) + "#charges")


@role_required(*services.REFUND_DECIDE_ROLES)
@require_POST
def refund_decide(request, refund_id):
    """Approve or reject a refund request (supervisors, finance; not the requester),
    from the refunds queue or the ticket page (``back=ticket``)."""
    refund = get_object_or_404(selectors.refund_list(user=request.user), pk=refund_id)
    note = request.POST.get("note", "").strip()
    approve = request.POST.get("decision") == "approve"
    service = services.refund_approve if approve else services.refund_reject
    _refund, ok = _run(
        request,
        lambda: service(
            refund=refund, actor=request.user, note=note, expected_version=_version(request)
        ),
    )
    if ok:
        messages.success(request, _("Refund approved.") if approve else _("Refund rejected."))
    if request.POST.get("back") == "ticket":
        return redirect(reverse("ticket-detail-page", args=[refund.payment.ticket_id]) + "#charges")
    return redirect("charges-refunds")


@role_required(*services.REFUND_DECIDE_ROLES, Role.AUDITOR)
@require_GET
def refund_queue_page(request):
    """Refunds waiting for a decision, oldest first, then the latest decided ones."""
    refunds = selectors.refund_list(user=request.user)
    context = {
        "waiting": list(
            refunds.filter(status=RefundStatus.REQUESTED).order_by("requested_at")[:100]
        ),
        "decided": list(
            refunds.exclude(status=RefundStatus.REQUESTED).order_by("-decided_at")[:30]
        ),
        "can_decide": has_role(request.user, *services.REFUND_DECIDE_ROLES),
        "user_id": request.user.pk,
    }
    return render(request, "charges/refunds.html", context)


def _pdf(receipt):
    response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(receipt)}"'
    return response


@role_required(Role.TECHNICIAN, Role.AGENT, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
@require_GET
def receipt_file(request, receipt_id):
    """A receipt's PDF: the desk, finance and auditors any, a technician their jobs'."""
    receipt = get_object_or_404(selectors.receipt_list(user=request.user), pk=receipt_id)
    return _pdf(receipt)


@require_GET
def public_receipt_file(request, number, token):
    """The customer's signed link to their receipt (from the status page)."""
    try:
        receipt = receipt_link_receipt(number=number, token=token)
    except ReceiptLinkRefused:
        raise Http404 from None
    return _pdf(receipt)


# --- The price list ----------------------------------------------------------------


class DraftForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    effective_from = forms.DateField(
        label=gettext_lazy("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )


class LabourForm(forms.Form):
    service_type = forms.ChoiceField(
        label=gettext_lazy("Service type"), choices=TicketCategory.choices
    )
    product_category = forms.ModelChoiceField(
        label=gettext_lazy("Product category"),
        queryset=ProductCategory.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Any category"),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Labour fee"), max_digits=10, decimal_places=2, min_value=0
    )


class ZoneForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Zone"), max_length=16)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    up_to_km = forms.DecimalField(
        label=gettext_lazy("Up to (km)"),
        max_digits=7,
        decimal_places=1,
        min_value=0,
        required=False,
        help_text=gettext_lazy("Leave empty for the zone beyond all others."),
    )
    fee = forms.DecimalField(
        label=gettext_lazy("Call-out fee"), max_digits=10, decimal_places=2, min_value=0
    )


class PartPriceForm(forms.Form):
    part = forms.ModelChoiceField(
        label=gettext_lazy("Part"), queryset=Part.objects.order_by("sku"), to_field_name="sku"
    )
    price = forms.DecimalField(
        label=gettext_lazy("Price"), max_digits=10, decimal_places=2, min_value=0
    )


def _drafts_forms():
    return {
        "labour": LabourForm(auto_id="id_labour_%s"),
        "zone": ZoneForm(auto_id="id_zone_%s"),
        "part": PartPriceForm(auto_id="id_partprice_%s"),
    }


@role_required(*PRICE_READERS)
@require_GET
def price_list_page(request):
    """The standards in force, upcoming and draft versions; supervisors edit drafts."""
    lists = list(selectors.price_lists().order_by("-effective_from", "-id")[:50])
    in_force = selectors.price_list_in_force()
    context = {
        "in_force": in_force,
        "lists": lists,
        "drafts": [p for p in lists if p.status == PriceListStatus.DRAFT],
        "can_edit": has_role(request.user, *services.PRICE_LIST_ROLES),
        "draft_form": DraftForm(
            auto_id="id_draft_%s", initial={"effective_from": timezone.localdate()}
        ),
        "forms": _drafts_forms(),
        "today": timezone.localdate(),
    }
    return render(request, "charges/price_lists.html", context)


def _back_to_prices(anchor=""):
    return redirect(reverse("charges-price-lists") + anchor)


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@role_required(*services.PRICE_LIST_ROLES)
@require_POST
def price_list_draft_create(request):
    form = DraftForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_prices()
    draft, ok = _run(
        request, lambda: services.price_list_create(actor=request.user, **form.cleaned_data)
    )
    if ok:
        messages.success(request, _("Draft %(code)s created from the standards in force.")
                         % {"code": draft.code})  # fmt: skip
        return _back_to_prices(f"#list-{draft.pk}")
    return _back_to_prices()


@role_required(*services.PRICE_LIST_ROLES)
@require_POST
def price_list_edit(request, list_id, what):
    """One draft edit: ``labour``, ``zone`` or ``part`` (set), ``remove`` (a line) or
    ``publish``."""
    price_list = get_object_or_404(PriceList, pk=list_id)
    actor = request.user
    if what == "publish":
        call = lambda: services.price_list_publish(price_list=price_list, actor=actor)  # noqa: E731
        done = _("Price list published: it takes effect on its start day.")
    elif what == "remove":
        kind, line = request.POST.get("kind", ""), request.POST.get("line", "")
        call = lambda: services.price_list_line_remove(  # noqa: E731
            price_list=price_list, actor=actor, kind=kind, line_id=int(line or 0)
        )
        done = _("Line removed.")
    else:
        form_class = {"labour": LabourForm, "zone": ZoneForm, "part": PartPriceForm}.get(what)
        if form_class is None:
            raise Http404
        form = form_class(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return _back_to_prices(f"#list-{list_id}")
        data = form.cleaned_data
        service = {
            "labour": services.price_list_labour_set,
            "zone": services.price_list_zone_set,
            "part": services.price_list_part_price_set,
        }[what]
        call = lambda: service(price_list=price_list, actor=actor, **data)  # noqa: E731
        done = _("Price saved.")
    _result, ok = _run(request, call)
    if ok:
        messages.success(request, done)
    return _back_to_prices(f"#list-{list_id}")


def public_prices_page(request):
    """The published charging standards for customers: the list in force and the next."""
    context = {
        "in_force": selectors.price_list_in_force(),
        "upcoming": list(selectors.price_lists_upcoming()[:1]),
        "methods": PaymentMethod.choices,
    }
    return render(request, "charges/public_prices.html", context)


urlpatterns = [
    path("service/prices/", public_prices_page, name="charges-public-prices"),
    path(
        "service/<str:number>/receipt/<str:token>.pdf",
        public_receipt_file,
        name="charges-public-receipt",
    ),
    path("charges/prices/", price_list_page, name="charges-price-lists"),
    path("charges/prices/new/", price_list_draft_create, name="charges-price-list-new"),
    path(
        "charges/prices/<int:list_id>/<str:what>/",
        price_list_edit,
        name="charges-price-list-edit",
    ),
    path("charges/receipts/<int:receipt_id>.pdf", receipt_file, name="charges-receipt-file"),
    path("jobs/<int:pk>/quote/", job_quote_create, name="charges-job-quote"),
    path(
        "jobs/<int:pk>/quote/<int:quote_id>/approve/",
        job_quote_approve,
        name="charges-job-quote-approve",
    ),
    path(
        "jobs/<int:pk>/quote/<int:quote_id>/decline/",
        job_quote_decline,
        name="charges-job-quote-decline",
    ),
    path("jobs/<int:pk>/payment/", job_payment, name="charges-job-payment"),
    path("tickets/<int:pk>/payment/", desk_payment, name="charges-desk-payment"),
    path("tickets/<int:pk>/refunds/", desk_refund_request, name="charges-desk-refund"),
    path("charges/refunds/", refund_queue_page, name="charges-refunds"),
    path("charges/refunds/<int:refund_id>/", refund_decide, name="charges-refund-decide"),
]
