"""``{% ticket_incident_banner ticket %}``: the ticket page's banner naming the incidents
the ticket is linked to, and for supervisors the form linking it to an open incident."""

from django import template

from aftersales.roles import Role, has_role

from ..models import Incident
from ..selectors import ticket_incidents

register = template.Library()


@register.inclusion_tag("incidents/_ticket_banner.html", takes_context=True)
def ticket_incident_banner(context, ticket):
    request = context.get("request")
    user = getattr(request, "user", None)
    linked = ticket_incidents(ticket)
    may_link = has_role(user, Role.SUPERVISOR)
    open_incidents = []
    if may_link:
        taken = {i.pk for i in linked}
        open_incidents = [
            i for i in Incident.objects.open().only("pk", "number", "title") if i.pk not in taken
        ]
    return {
        "ticket": ticket,
        "linked": linked,
        "open_incidents": open_incidents,
        "csrf_token": context.get("csrf_token"),
    }
