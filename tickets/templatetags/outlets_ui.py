"""The ticket page's outlet line: where the ticket is sent, and for a supervisor the link
to send a triaged ticket to a service outlet (tickets.views.outlets)."""

from django import template

from aftersales.roles import Role, has_role

from ..choices import TicketStatus

register = template.Library()


@register.inclusion_tag("outlets/_ticket_outlet.html", takes_context=True)
def ticket_outlet_line(context, ticket):
    user = getattr(context.get("request"), "user", None)
    return {
        "ticket": ticket,
        "outlet": ticket.outlet if ticket.outlet_id else None,
        "can_send": ticket.status == TicketStatus.TRIAGED and has_role(user, Role.SUPERVISOR),
    }
