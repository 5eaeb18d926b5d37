"""Reads of the charges shared by the API, the pages and the PDFs."""

from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role
from tickets.choices import TicketCategory, WarrantyDecision
from tickets.models import Ticket

from .choices import CURRENT_QUOTE_STATUSES, ChargeKind, PriceListStatus, RefundStatus
from .models import ChargeLine, Payment, PriceList, Quote, Receipt, Refund
from .pricing import ZERO, price_list_on

# Who reads every job's charges besides those who see every ticket: finance.
ALL_CHARGES_ROLES = (Role.FINANCE,)


def charge_tickets(*, user):
    """Tickets whose charges ``user`` may read: finance all, others what they see."""
    if has_role(user, *ALL_CHARGES_ROLES):
        return Ticket.objects.all()
    return Ticket.objects.visible_to(user)


def _mine(qs, user, field="ticket"):
    if has_role(user, *ALL_CHARGES_ROLES, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        return qs
    return qs.filter(**{f"{field}__in": charge_tickets(user=user).values("pk")})


def price_lists():
    return PriceList.objects.prefetch_related(
        "labour_rates__product_category", "callout_zones", "part_prices__part"
    ).select_related("published_by")


def price_list_in_force(day=None):
    return price_list_on(day or timezone.localdate())


def price_lists_upcoming():
    today = timezone.localdate()
    return price_lists().filter(status=PriceListStatus.PUBLISHED, effective_from__gt=today)


def quote_list(*, user):
    return _mine(
        Quote.objects.select_related("ticket", "price_list", "created_by").prefetch_related(
            "lines__part"
        ),
        user,
    )


def charge_line_list(*, user):
    return _mine(ChargeLine.objects.select_related("part", "receipt"), user)


def receipt_list(*, user):
    return _mine(
        Receipt.objects.select_related("ticket", "payment", "issued_by").prefetch_related(
            Prefetch("lines", queryset=ChargeLine.objects.select_related("part").order_by("id"))
        ),
        user,
    )


def payment_list(*, user):
    return _mine(
        Payment.objects.select_related("ticket", "receipt", "recorded_by")
        .annotate(refunded=Sum("refunds__amount", filter=_approved()))
        .order_by("-recorded_at", "-id"),
        user,
    )


def _approved():
    from django.db.models import Q

    return Q(refunds__status=RefundStatus.APPROVED)


def refund_list(*, user):
    return _mine(
        Refund.objects.select_related("payment__ticket", "requested_by", "decided_by"),
        user,
        field="payment__ticket",
    )


def current_quote_of(ticket):
    return (
        Quote.objects.filter(ticket=ticket, status__in=CURRENT_QUOTE_STATUSES)
        .prefetch_related("lines__part")
        .order_by("-id")
        .first()
    )


def line_title(line):
    """A charge or quote line as read by people: labour of which service, the call-out
    zone and distance, the part."""
    if line.kind == ChargeKind.LABOUR:
        try:
            service = TicketCategory(line.description).label
        except ValueError:
            service = line.description
        return _("Labour: %(service)s") % {"service": service}
    if line.kind == ChargeKind.CALLOUT:
        zone, _sep, distance = line.description.partition(" ")
        km = distance.removesuffix(" km")
        if zone and km:
            return _("Call-out, zone %(zone)s (%(km)s km)") % {"zone": zone, "km": km}
        if zone:
            return _("Call-out, zone %(zone)s") % {"zone": zone}
        return _("Call-out")
    return line.part.name if line.part_id else line.description


def free_reason(line, ticket):
    """Why a free line is free: the coverage's reasons, else the warranty decision."""
    if line.free_reason:
        return line.free_reason
    try:
        return WarrantyDecision(ticket.warranty_decision).label
    except ValueError:
        return _("Covered")


def ticket_charges(ticket):
    """The job's charge lines for the work order, sign-off and pages: each line with its
    title and, when free, its reason; the total to pay; what is paid and receipted.
    Three queries."""
    lines = list(
        ChargeLine.objects.filter(ticket=ticket).select_related("part", "receipt").order_by("id")
    )
    for line in lines:
        line.title = line_title(line)
        line.reason = free_reason(line, ticket) if line.free else ""
    total = sum((line.amount for line in lines), start=ZERO)
    receipts = list(Receipt.objects.filter(ticket=ticket).select_related("payment").order_by("id"))
    paid = sum((r.amount for r in receipts), start=ZERO)
    return {
        "lines": lines,
        "total": total,
        "paid": paid,
        "due": total - paid,
        "receipts": receipts,
        "any_free": any(line.free for line in lines),
        "any_charged": any(not line.free and line.amount > 0 for line in lines),
    }


def quote_view(quote):
    """A quote's lines with titles and reasons, for the job page and the API."""
    lines = list(quote.lines.all())
    for line in lines:
        line.title = line_title(line)
        line.reason = free_reason(line, quote.ticket) if line.free else ""
    return lines
