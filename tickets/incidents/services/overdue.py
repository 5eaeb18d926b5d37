"""The overdue warnings the beat sweeps for: each missed clock warned of once."""

from django.db import transaction
from django.utils import timezone

from aftersales.platform.models import NotificationKind
from aftersales.platform.selectors import staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role
from audits.services import audit_record

from ..choices import CLOCK_LABELS, IncidentEventKind, IncidentStage
from ..models import Incident
from .common import _event

# --- The overdue warnings (beat) -------------------------------------------------------

_CLOCKS = (
    ("response", IncidentStage.DECLARED),
    ("handling", IncidentStage.RESPONDED),
    ("closure", IncidentStage.HANDLED),
)
_BEFORE = {
    "response": (IncidentStage.DECLARED,),
    "handling": (IncidentStage.DECLARED, IncidentStage.RESPONDED),
    "closure": (IncidentStage.DECLARED, IncidentStage.RESPONDED, IncidentStage.HANDLED),
}


def incidents_overdue_warn(*, now=None):
    """For each open incident and each clock whose due time passed before its stage was
    reached, warn the supervisors ONCE: a conditional update appends the clock to
    ``warned`` (two sweeps at once: one wins), then an ``overdue`` entry, the audit and
    the notice to supervisors, in the same transaction. Returns the warnings written."""
    now = now or timezone.now()
    written = 0
    for key, _stage in _CLOCKS:
        due_field = f"{key}_due_at"
        candidates = Incident.objects.filter(
            stage__in=_BEFORE[key], **{f"{due_field}__lt": now}
        ).exclude(warned__contains=[key])
        for incident in candidates.only("pk"):
            written += _warn_once(incident.pk, key, now)
    return written


@transaction.atomic
def _warn_once(pk, key, now):
    updated = Incident.objects.filter(pk=pk, stage__in=_BEFORE[key]).exclude(warned__contains=[key])
    incident = updated.select_for_update().first()
    if incident is None:
        return 0
    incident.warned = [*incident.warned, key]
    incident.save(update_fields=["warned"])
    due = getattr(incident, f"{key}_due_at")
    _event(incident, IncidentEventKind.OVERDUE, None, clock=key, due_at=due.isoformat())
    audit_record(actor=None, action="incident.overdue", obj=incident, changes={"clock": key})
    notify(
        kind=NotificationKind.INCIDENT_OVERDUE,  # staff channels: the inbox and e-mail
        recipients=list(staff_to_notify(role=Role.SUPERVISOR)),
        context={
            "incident": incident.number,
            "title": incident.title,
            "overdue": CLOCK_LABELS[key],
            "due_at": due,
        },
        dedupe_key=f"incident-overdue:{incident.pk}:{key}",
    )
    return 1
