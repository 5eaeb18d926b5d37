"""Template helpers of the ticket pages: labels for stored codes and the role navigation."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role, roles_of

from ..choices import Action, ContactVia, Priority, SlaState, TicketStatus

register = template.Library()


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


@register.filter
def status_label(value):
    return _label(TicketStatus, value)


@register.filter
def action_label(value):
    return _label(Action, value)


@register.filter
def sla_label(value):
    return _label(SlaState, value)


@register.filter
def via_label(value):
    return _label(ContactVia, value)


@register.simple_tag(takes_context=True)
def nav_links(context):
    """The main navigation for the signed-in user's roles, the current page marked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    links = []
    if Role.TECHNICIAN in roles_of(user):
        links.append(("my-jobs-page", "", _("My jobs")))
    desk = has_role(user, Role.AGENT, Role.SUPERVISOR)
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        links.append(("dashboard-page", "", _("Dashboard")))
    links.append(("ticket-list-page", "", _("Tickets")))
    if desk:
        links.append(("ticket-list-page", "?mine=1", _("My tickets")))
    if has_role(user, Role.SUPERVISOR):
        links.append(("ticket-list-page", "?status=triaged", _("To dispatch")))
    if desk:
        links.append(("ticket-create-page", "", _("New ticket")))
    current = request.get_full_path()
    items = []
    for name, query, label in links:
        url = reverse(name) + query
        items.append({"url": url, "label": label, "current": url == current})
    return items


@register.simple_tag(takes_context=True)
def can_search(context):
    """Whether the header offers the global search: the desk and auditors."""
    request = context.get("request")
    return has_role(getattr(request, "user", None), Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)


@register.filter
def priority_label(value):
    return _label(Priority, value)
