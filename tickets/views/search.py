"""The header search (全局搜索) and the hotline's screen pop (来电弹屏)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from aftersales.roles import Role

from ..phones import mask_phone, normalize_phone
from ..presenters import PiiReads, customer_phone, pii_reads_record
from ..search import global_search
from ..selectors import customer_list
from .common import DESK, role_required

SEARCH_ROLES = (*DESK, Role.AUDITOR)
DROPDOWN_LIMIT = 5
PAGE_LIMIT = 25


@role_required(*SEARCH_ROLES)
def global_search_page(request):
    """``GET /desk/search/?q=``: customers, products and tickets matching ``q``.

    To htmx (the header's box, as the agent types) the grouped options of its listbox; to
    anyone else the whole results page, so the search works without JavaScript. Phones
    follow the role's rule (``customer_phone``) and full ones are recorded as read.
    """
    fragment = bool(request.htmx)
    results = global_search(
        user=request.user,
        text=request.GET.get("q", ""),
        limit=DROPDOWN_LIMIT if fragment else PAGE_LIMIT,
    )
    reads = PiiReads()
    customers = [
        (customer, customer_phone(user=request.user, customer=customer, reads=reads)[0])
        for customer in results.customers
    ]
    pii_reads_record(actor=request.user, reads=reads)
    context = {
        "q": results.query.text if results.query else request.GET.get("q", "").strip(),
        "results": results,
        "customers": customers,
        "limit": DROPDOWN_LIMIT if fragment else PAGE_LIMIT,
    }
    template = "components/_search_results.html" if fragment else "tickets/search.html"
    response = render(request, template, context)
    # One URL, two answers: a cache must not give the fragment to a plain visit.
    patch_vary_headers(response, ("HX-Request",))
    return response


@role_required(*DESK)
def screen_pop(request):
    """``GET /desk/call/?phone=<caller id>``: what a softphone opens when a call rings.

    A known number lands on the customer's page; an unknown one on intake with the number
    filled in. The caller id may come as ``+86 138 0013 8000``, ``0086…``, ``tel:…``; one
    that is missing or no phone number lands on intake with a message, never an error.
    """
    raw = request.GET.get("phone", "").strip().removeprefix("tel:")[:32]
    intake = reverse("ticket-create-page")
    if not raw:
        messages.warning(
            request, _("The call came without a caller number: find the customer by phone.")
        )
        return redirect(intake)
    try:
        phone = normalize_phone(raw)
    except ValueError:
        messages.warning(
            request,
            _("The caller number “%(number)s” is not a phone number: check it with the caller.")
            % {"number": raw},
        )
        return redirect(f"{intake}?{urlencode({'phone': raw})}")
    customer = (
        customer_list(user=request.user, phone=phone)
        .filter(phone=phone, erased_at__isnull=True)
        .first()
    )
    if customer is not None:
        return redirect("customer-detail-page", pk=customer.pk)
    messages.info(
        request,
        _("Call from %(phone)s: no customer has this number yet.") % {"phone": mask_phone(phone)},
    )
    return redirect(f"{intake}?{urlencode({'phone': phone})}")
