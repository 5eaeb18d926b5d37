"""Template helpers of the ticket pages: labels for stored codes, the SLA countdown badge
and the role navigation."""

import math

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role, roles_of

from ..choices import Action, ContactVia, Priority, SlaState, TicketStatus

# Who reads the outlets' settlement statements (tickets.settlement.selectors, which this
# floor may not import: keep the two in step).
SETTLEMENT_ROLES = (
    Role.SUPERVISOR,
    Role.FINANCE,
    Role.MANAGER,
    Role.AUDITOR,
    Role.OUTLET_DISPATCHER,
)

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
    # (url name, query, label, keyboard shortcut: static/js/shortcuts.js, "?" lists them)
    links = []
    if Role.TECHNICIAN in roles_of(user):
        links.append(("my-jobs-page", "", _("My jobs"), "g j"))
    desk = has_role(user, Role.AGENT, Role.SUPERVISOR)
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        links.append(("dashboard-page", "", _("Control room"), "g d"))
    links.append(("ticket-list-page", "", _("Tickets"), "g t"))
    if desk:
        links.append(("ticket-list-page", "?view=mine", _("My tickets"), "g m"))
    if has_role(user, Role.SUPERVISOR, Role.OUTLET_DISPATCHER):
        links.append(("ticket-list-page", "?view=to_dispatch", _("To dispatch"), "g p"))
    if desk:
        links.append(("ticket-create-page", "", _("New ticket"), "n"))
    if has_role(user, Role.SUPERVISOR):
        links.append(("dispatch-board-page", "", _("Dispatch board"), "g b"))
        links.append(("technician-list-page", "", _("Technicians"), "g h"))
        links.append(("integrator-token-list-page", "", _("Integrator tokens"), "g i"))
    if has_role(user, Role.SUPERVISOR, Role.FINANCE):
        links.append(("charges-price-lists", "", _("Charging standards"), "g l"))
        links.append(("charges-refunds", "", _("Refunds"), "g u"))
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        links.append(("warranty-contract-list", "", _("Contracts"), "g w"))
    if has_role(user, Role.WORKSHOP, Role.SUPERVISOR):
        links.append(("depot-workshop-page", "", _("Workshop"), "g f"))
    if has_role(user, Role.SUPERVISOR, Role.AUDITOR, Role.OUTLET_DISPATCHER):
        links.append(("outlet-list-page", "", _("Service outlets"), "g o"))
    if has_role(user, Role.SUPERVISOR, Role.AUDITOR):
        links.append(("kpi-report-page", "", _("KPI reports"), "g r"))
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        # Service incidents (tickets.incidents): the desk sees them, supervisors run them.
        links.append(("incident-list-page", "", _("Incidents"), "g 2"))
    if has_role(user, Role.SUPERVISOR, Role.AUDITOR):
        # Supervisors create audits and own corrective actions; the trail they may read.
        links.append(("quality-audit-list-page", "", _("Quality audits"), "g q"))
    if has_role(user, Role.AUDITOR):
        links.append(("audit-trail-page", "", _("Audit trail"), "g a"))
    if has_role(user, Role.SUPERVISOR, Role.AUDITOR):
        links.append(("bulk-page", "", _("Import and export"), "g e"))
    if has_role(user, *SETTLEMENT_ROLES):
        links.append(("settlement-list-page", "", _("Settlement"), "g s"))
    # Costs (tickets.costs): the report and budgets; expense claims, filed and approved.
    if has_role(user, Role.SUPERVISOR, Role.FINANCE, Role.MANAGER, Role.AUDITOR):
        links.append(("cost-report-page", "", _("Costs"), "g k"))
    if has_role(user, Role.TECHNICIAN, Role.SUPERVISOR, Role.FINANCE, Role.MANAGER):
        links.append(("expense-claim-list-page", "", _("Expense claims"), "g y"))
    # Tools and test equipment (technicians.tools): the ledger; a technician's own tools.
    if has_role(user, Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER):
        links.append(("tool-ledger-page", "", _("Tools"), "g v"))
    if Role.TECHNICIAN in roles_of(user):
        links.append(("my-tools-page", "", _("My tools"), "g z"))
    # Service targets (audits.targets): supervisors draft, the manager approves, auditors read.
    if has_role(user, Role.SUPERVISOR, Role.MANAGER, Role.AUDITOR):
        links.append(("target-set-list-page", "", _("Service targets"), "g c"))
    # Return visits (tickets.surveys): the results, and the follow-ups low scores opened.
    if has_role(user, Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER):
        links.append(("survey-results-page", "", _("Survey results"), "g n"))
    elif has_role(user, Role.AGENT):
        links.append(("survey-task-list-page", "", _("Survey follow-ups"), "g n"))
    # The knowledge base (技术资料库) and its technical-support queue (tickets.knowledge).
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.TECHNICIAN, Role.TECH_SUPPORT):
        links.append(("knowledge-article-list", "", _("Knowledge base"), "g g"))
    if has_role(user, Role.TECH_SUPPORT, Role.SUPERVISOR):
        links.append(("knowledge-question-list", "", _("Technical support"), "g 1"))
    if user.is_active and user.is_staff:
        links.append(("admin:index", "", _("Administration"), "g x"))
    current = request.get_full_path()
    items = []
    for name, query, label, hotkey in links:
        url = reverse(name) + query
        items.append({"url": url, "label": label, "current": url == current, "hotkey": hotkey})
    return items


@register.simple_tag(takes_context=True)
def can_search(context):
    """Whether the header offers the global search: the desk and auditors."""
    request = context.get("request")
    return has_role(getattr(request, "user", None), Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)


@register.filter
def priority_label(value):
    return _label(Priority, value)


# --- The SLA countdown badge (components/_sla_badge.html) -------------------------------------


def duration_text(delta, *, round_up=False):
    """A span as a person reads it on a badge: "3 d 4 h", "2 h 10 min", "45 min".

    Whole minutes, at least one; ``round_up`` for time left (a clock with 20 seconds to
    go has "1 min left", never "0 min")."""
    seconds = max(delta.total_seconds(), 0) / 60
    minutes = max(1, math.ceil(seconds) if round_up else math.floor(seconds))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        if hours:
            return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
        return _("%(days)s d") % {"days": days}
    if hours:
        if minutes:
            return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": minutes}


def sla_badge_data(reading):
    """The badge of a ``tickets.sla.Countdown``: its state (the colour, also said in
    words), its text and, as a tooltip, which deadline it counts."""
    if reading.state == SlaState.BREACHED:
        text = _("Breached %(duration)s ago") % {"duration": duration_text(reading.overdue)}
    elif reading.state == SlaState.MET:
        text = _("Met")
    else:
        left = duration_text(reading.left, round_up=True)
        if reading.state == SlaState.AT_RISK:
            text = _("At risk · %(duration)s left") % {"duration": left}
        else:
            text = _("%(duration)s left") % {"duration": left}
    if reading.paused:
        text = _("Paused · %(reading)s") % {"reading": text}
    title = ""
    if reading.due_at is not None:
        when = date_format(timezone.localtime(reading.due_at), "SHORT_DATETIME_FORMAT")
        if reading.clock == "response":
            title = _("Response due %(time)s") % {"time": when}
        else:
            title = _("Dispatch due %(time)s") % {"time": when}
    return {
        "state": "paused" if reading.paused else reading.state,
        "text": text,
        "title": title,
    }


@register.simple_tag
def sla_badge(ticket, now=None):
    """``{% sla_badge ticket now %}``: "2 h 10 min left", "At risk · 40 min left",
    "Breached 3 h ago", "Met", "Paused · …", coloured by state. ``now`` defaults to the
    current time; a page showing many tickets passes one instant for all of them.

    Built with ``format_html``, not a template of its own: a list renders it on every row,
    and a sub-template per row cost a third of the page. ``components/_sla_badge.html``
    wraps it for ``{% include %}``."""
    badge = sla_badge_data(ticket.sla_countdown(now))
    title = format_html(' title="{}"', badge["title"]) if badge["title"] else ""
    return format_html(
        '<span class="badge sla sla-{state}" data-sla="{state}"{title}>{text}</span>',
        state=badge["state"],
        title=title,
        text=badge["text"],
    )


@register.simple_tag(takes_context=True)
def offline_config(context):
    """The technician app's settings and words for static/js/offline.js, as a JSON data
    block (never executed): where to ask for the sync state and the service worker, who
    is signed in (a queue is sent only by the technician who made it) and the messages
    in the page's language."""
    user = context["request"].user
    config = {
        "user": user.pk,
        "syncUrl": reverse("job-sync-state"),
        "swUrl": reverse("job-service-worker"),
        "scope": "/jobs/",
        "text": {
            "waitingOne": _("1 change waiting to send"),
            "waitingMany": _("%(n)s changes waiting to send") % {"n": "{n}"},
            "offline": _("No signal: what you do is kept on this phone and sent later."),
            "sending": _("Sending the changes kept on this phone…"),
            "sent": _("Everything kept on this phone has been sent."),
            "signedOut": _("Sign in again to send the changes kept on this phone."),
            "needsSignal": _("This needs a signal: try again when you are online."),
            "held": _("Waits for the change before it to be sorted out."),
            "discard": _("Discard this change"),
            "retry": _("Try again"),
            "discardConfirm": _("Discard this change for good? It will not be sent."),
            "queuedAt": _("Kept on this phone at {time}: sent when the signal returns."),
            "madeAt": _("Made on this phone at {time}, not applied."),
            "status": {
                status: str(TicketStatus(status).label)
                for status in ("dispatched", "on_site", "awaiting_confirmation", "closed")
            },
            "confirmWindow": _("This is outside the booked window: confirm to check in anyway."),
            "photoWaiting": _("Waiting to send"),
            "free": _("Free (warranty)"),
            "charged": _("Charged"),
            "noParts": _("No parts were fitted."),
            "noMatch": _("No part in your van matches."),
            "labels": {
                "check_in": _("Check-in"),
                "complete": _("Work record"),
                "sign": _("Customer's signature"),
                "photo": _("Photo"),
            },
        },
    }
    return json_script(config, "offline-config")
