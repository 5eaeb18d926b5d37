"""Template tags of the parts app: the ticket page's parts-and-charges panel."""

from django import template

from ..selectors import product_service_history, ticket_parts_summary

register = template.Library()


@register.inclusion_tag("parts/_ticket_parts.html", takes_context=True)
def ticket_parts_panel(context, ticket):
    """Parts used (charged or free, with prices), parts still reserved, and the unit's
    service history (other tickets of the same product with the serials fitted/removed)."""
    user = context["request"].user
    history = []
    if ticket.product_id:
        history = [
            t
            for t in product_service_history(product=ticket.product, user=user)
            if t.pk != ticket.pk
        ]
    return {"summary": ticket_parts_summary(ticket=ticket), "history": history, "ticket": ticket}
