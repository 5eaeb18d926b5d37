"""The charges' cards on pages owned by others: the job page's quote and payment, the
sign-off's and work order's charge lines, the ticket page's charges, the customer's
receipts. Each is one ``{% load charges_ui %}{% tag ticket %}`` in the host template."""

from django import template
from django.conf import settings
from django.utils import timezone

from aftersales.roles import Role, has_role
from parts.selectors import van_stock_for_job
from tickets.charges import selectors, services
from tickets.charges.choices import PaymentMethod, QuoteStatus, RefundStatus
from tickets.charges.links import receipt_link_path
from tickets.charges.models import Refund
from tickets.charges.pricing import price_list_on
from tickets.choices import TicketStatus
from tickets.warranty.coverage import ticket_coverage

register = template.Library()


def _base(context, ticket):
    return {
        "ticket": ticket,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
        "methods": PaymentMethod.choices,
    }


@register.inclusion_tag("charges/_job_panel.html", takes_context=True)
def charges_job_panel(context, ticket):
    """The job page: the quote while on site (when something is charged), then the
    charges to pay and the receipts once the work is recorded."""
    data = _base(context, ticket)
    data["show"] = False
    if ticket.status == TicketStatus.ON_SITE:
        price_list = price_list_on(timezone.localdate())
        coverage = ticket_coverage(ticket)
        if price_list is None or not coverage.anything_charged:
            return data
        quote = selectors.current_quote_of(ticket)
        levels = list(van_stock_for_job(ticket=ticket))
        for level in levels:
            level.free = coverage.covers_part(level.part)
        data.update(
            show=True,
            stage="quote",
            quote=quote,
            quote_lines=selectors.quote_view(quote) if quote else [],
            pending=quote is not None and quote.status == QuoteStatus.PENDING,
            levels=levels,
            coverage=coverage,
            reasons=list(coverage.reasons),
            km=ticket.travel_km,
        )
        return data
    if ticket.status in services.PAYABLE_STATUSES:
        charges = selectors.ticket_charges(ticket)
        if not charges["lines"]:
            return data
        data.update(show=True, stage="pay", charges=charges, back=context.get("charges_back", ""))
    return data


@register.inclusion_tag("charges/_lines.html", takes_context=True)
def charges_lines(context, ticket):
    """The sign-off page: the charges line by line (the customer's signature confirms
    the free lines), and the payment once the customer has seen them."""
    data = _base(context, ticket)
    data["charges"] = selectors.ticket_charges(ticket)
    data["can_pay"] = ticket.status in services.PAYABLE_STATUSES
    return data


@register.inclusion_tag("charges/_lines_print.html")
def charges_lines_print(ticket):
    return {"charges": selectors.ticket_charges(ticket), "ticket": ticket}


@register.simple_tag
def charges_recorded(ticket):
    """Whether the job has charge lines (the work order then prints them)."""
    return ticket.charge_lines.exists()


@register.inclusion_tag("charges/_desk_panel.html", takes_context=True)
def charges_desk_panel(context, ticket):
    """The ticket page: quotes, charge lines, payment, receipts and refunds."""
    data = _base(context, ticket)
    request = context.get("request")
    user = getattr(request, "user", None)
    charges = selectors.ticket_charges(ticket)
    quotes = list(ticket.quotes.order_by("-id")[:5])
    refunds = list(
        Refund.objects.filter(payment__ticket=ticket)
        .select_related("requested_by", "decided_by")
        .order_by("-id")
    )
    data.update(
        show=bool(charges["lines"] or quotes),
        charges=charges,
        quotes=quotes,
        refunds=refunds,
        can_pay=has_role(user, Role.AGENT, Role.SUPERVISOR, Role.FINANCE)
        and ticket.status in services.PAYABLE_STATUSES
        and charges["due"] > 0,
        can_request_refund=has_role(user, *services.REFUND_REQUEST_ROLES),
        can_decide=has_role(user, *services.REFUND_DECIDE_ROLES),
        requested=RefundStatus.REQUESTED,
        user_id=getattr(user, "pk", None),
    )
    return data


@register.inclusion_tag("charges/_public_receipts.html")
def charges_public_receipts(ticket):
    """The customer's receipts on the status page (none before the work is recorded:
    no query then)."""
    if ticket.status not in services.PAYABLE_STATUSES:
        return {"links": []}
    receipts = list(ticket.receipts.select_related("ticket").order_by("id"))
    return {"links": [(r, receipt_link_path(r)) for r in receipts], "settings": settings}
