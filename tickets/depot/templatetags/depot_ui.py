"""The depot's cards on pages owned by others: the ticket page's workshop card (the take-in
form, or the repair in progress) and the stages on the customer's status page. Each is one
``{% load depot_ui %}{% tag ticket %}`` in the host template."""

from django import template
from django.utils.translation import gettext as _

from aftersales.roles import has_role
from tickets.choices import OPEN_STATUSES

from .. import selectors, services
from ..forms import TakeInForm
from ..models import EquipmentReceipt

register = template.Library()


@register.inclusion_tag("depot/_ticket_card.html", takes_context=True)
def depot_ticket_panel(context, ticket):
    """The ticket page: the open repair (stage, due, link), the closed ones, and the
    take-in form for those who may take the unit in."""
    request = context.get("request")
    user = getattr(request, "user", None)
    receipts = list(
        EquipmentReceipt.objects.visible_to(user).filter(ticket=ticket).order_by("-received_at")
    )
    current = next((r for r in receipts if r.is_open), None)
    if current is not None:
        current.turnaround_state, current.turnaround_left = selectors.receipt_turnaround(current)
    may_take_in = (
        current is None
        and ticket.status in OPEN_STATUSES
        and has_role(user, *services.TAKE_IN_ROLES)
    )
    return {
        "ticket": ticket,
        "receipts": receipts,
        "current": current,
        "form": TakeInForm(ticket=ticket) if may_take_in else None,
        "csrf_token": context.get("csrf_token"),
        "show": bool(receipts) or may_take_in,
    }


@register.inclusion_tag("depot/_public_stages.html")
def depot_public_stages(ticket):
    """The customer's status page: the workshop stages so far (labels and times only)."""
    return {"history": selectors.ticket_stage_history(ticket)}


@register.filter
def countdown(left):
    """A time left as words: "1 d 4 h left", "35 min left", "overdue by 2 h"."""
    if left is None:
        return ""
    seconds = int(left.total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)s min") % {"m": minutes}
    return _("overdue by %(t)s") % {"t": text} if overdue else _("%(t)s left") % {"t": text}
