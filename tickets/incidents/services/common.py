"""What the incident services share: the supervisors-only check, the row lock with its
version check, the open check, the incident timeline entry, the tickets' timeline rows
for a link, and which database this is (the raw statements are PostgreSQL's)."""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import StaleVersion
from aftersales.roles import Role, acting_user, role_require
from tickets.choices import EventKind
from tickets.models import TicketEvent

from ..exceptions import IncidentClosed
from ..models import Incident, IncidentEvent

WRITE_ROLES = (Role.SUPERVISOR,)


def _postgresql():
    return connection.vendor == "postgresql"


def _require_supervisor(actor):
    role_require(actor, *WRITE_ROLES, message=_("Only a supervisor may manage incidents."))


def _event(incident, kind, actor, **payload):
    return IncidentEvent.objects.create(
        incident=incident, kind=kind, actor=acting_user(actor), payload=payload
    )


def _locked(incident, expected_version=None):
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and incident.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this incident; reload it."),
            extra={"version": incident.version},
        )
    return incident


def _require_open(incident):
    if not incident.is_open:
        raise IncidentClosed(_("This incident is closed."))


def _ticket_event_rows(incident, ticket_ids, actor, method, now=None):
    now = now or timezone.now()
    return [
        TicketEvent(
            ticket_id=ticket_id,
            kind=EventKind.INCIDENT,
            action="linked",
            actor=acting_user(actor),
            created_at=now,
            payload={"incident": incident.pk, "number": incident.number, "method": method},
        )
        for ticket_id in ticket_ids
    ]
