"""Dispatch to a service outlet (网点): a supervisor sends a triaged ticket to an outlet
serving its area; the outlet's dispatchers are told and then assign one of the outlet's
technicians with ``ticket_dispatch`` (the same eligibility rules, plus "belongs to the
outlet": ``technicians.eligibility``).

Sending to an outlet does not stop the SLA's dispatch clock: assigning the technician is
the dispatch (``Ticket.dispatched_at``), so the outlet answers for meeting that target.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError, InvalidTransition, StaleVersion
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import Role, role_require
from audits.services import audit_record

from ..choices import EventKind, TicketStatus
from ..models import Ticket, TicketEvent
from ..selectors import dashboard_invalidate

ACTION = "dispatch_to_outlet"


class OutletNotServing(ApplicationError):
    """The outlet does not serve the ticket's area (or is inactive)."""

    code = "outlet_not_serving"


def _dispatchers_queue(*, ticket, outlet, note):
    """Tell the outlet's active dispatchers (the outbox, delivered after commit)."""
    dispatchers = list(outlet.dispatchers.filter(is_active=True).order_by("pk"))
    if not dispatchers:
        return []
    return notify(
        kind=NotificationKind.OUTLET_DISPATCH,
        recipients=dispatchers,
        context={
            "number": ticket.number,
            "category": ticket.get_category_display(),
            "area": ticket.area.code if ticket.area_id else "",
            "outlet_code": outlet.code,
            "outlet_name": outlet.name,
            "dispatch_due": (
                timezone.localtime(ticket.dispatch_due_at).strftime("%Y-%m-%d %H:%M")
                if ticket.dispatch_due_at
                else ""
            ),
            "note": note,
            "url": settings.PUBLIC_SITE_URL.rstrip("/")
            + reverse("ticket-detail-page", args=[ticket.pk]),
        },
        ticket=ticket,
        dedupe_key=f"outlet-dispatch:{ticket.pk}:{ticket.version}",
    )


@transaction.atomic
def ticket_dispatch_to_outlet(*, ticket, actor, outlet, note="", expected_version=None):
    """Send a triaged ticket to a service outlet serving its area (supervisors).

    409 ``outlet_not_serving`` when the outlet is inactive or does not serve the ticket's
    area; 409 ``invalid_transition`` unless the ticket is triaged (no technician yet);
    409 ``stale_version`` on a lost race. Sending it again moves it to another outlet.
    Writes the timeline event ``outlet_dispatch`` and the audit event
    ``ticket.dispatch_to_outlet``, and tells the outlet's dispatchers (outbox).
    """
    role_require(actor, Role.SUPERVISOR)
    if expected_version is not None and expected_version != ticket.version:
        raise StaleVersion(
            _("Ticket %(number)s is at version %(version)s, not %(expected)s; reload it.")
            % {"number": ticket.number, "version": ticket.version, "expected": expected_version},
            extra={"current_version": ticket.version},
        )
    if ticket.status != TicketStatus.TRIAGED:
        raise InvalidTransition(
            _("Only a triaged ticket is sent to an outlet (this one is %(status)s).")
            % {"status": TicketStatus(ticket.status).label},
            extra={"status": ticket.status, "action": ACTION},
        )
    if not outlet.active or (
        ticket.area_id is None or not outlet.areas.filter(pk=ticket.area_id).exists()
    ):
        raise OutletNotServing(
            _("Outlet %(outlet)s does not serve the ticket's area.") % {"outlet": outlet.code},
            extra={"outlet": outlet.pk, "area": ticket.area_id},
        )
    if ticket.outlet_id == outlet.pk:
        return ticket
    now = timezone.now()
    updated = Ticket.objects.filter(
        pk=ticket.pk, status=ticket.status, version=ticket.version
    ).update(outlet=outlet, version=F("version") + 1, updated_at=now)
    if updated != 1:
        raise StaleVersion(
            _("Ticket %(number)s was changed meanwhile by someone else; reload and try again.")
            % {"number": ticket.number}
        )
    before = ticket.outlet_id
    ticket.outlet, ticket.version, ticket.updated_at = outlet, ticket.version + 1, now
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.OUTLET_DISPATCH,
        action=ACTION,
        actor=actor,
        created_at=now,
        payload={"outlet": outlet.pk, "outlet_code": outlet.code, "note": note},
    )
    audit_record(
        actor=actor,
        action=f"ticket.{ACTION}",
        obj=ticket,
        ticket=ticket,
        changes={"outlet": [before, outlet.pk], **({"note": note} if note else {})},
    )
    _dispatchers_queue(ticket=ticket, outlet=outlet, note=note)
    transaction.on_commit(dashboard_invalidate, robust=True)
    return ticket
