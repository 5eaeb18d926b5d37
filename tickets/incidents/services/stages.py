"""The incident's number, its declaration and its stages (declared → responded →
handled → closed), each stage stopping its clock."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition
from aftersales.roles import acting_user
from aftersales.sequences import sequence_next
from audits.services import audit_record

from ..choices import NEXT_STAGE, IncidentEventKind, IncidentGrade, IncidentStage
from ..models import Incident, IncidentNumberSequence
from ..targets import incident_due_times
from .common import _event, _locked, _require_supervisor

STAGE_FIELD = {
    IncidentStage.RESPONDED: "responded_at",
    IncidentStage.HANDLED: "handled_at",
    IncidentStage.CLOSED: "closed_at",
}


def incident_number_next(*, year):
    """The next gap-free number of ``year`` (INC-2026-001); inside the caller's transaction."""
    value = sequence_next(IncidentNumberSequence, year=year)
    return f"{settings.INCIDENT_NUMBER_PREFIX}-{year}-{value:03d}"


# --- Declaration and stages ------------------------------------------------------------


@transaction.atomic
def incident_declare(*, actor, title, grade, description=""):
    """Declare an incident: a gap-free number, the grade's due times from
    ``INCIDENT_TARGETS`` (response, initial handling, closed loop), stage ``declared``.
    Supervisors only. Writes the incident, its ``declared`` entry and the audit."""
    _require_supervisor(actor)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the incident a title.")]})
    if grade not in IncidentGrade.values:
        raise ValidationError({"grade": [_("Choose a grade.")]})
    now = timezone.now()
    due = incident_due_times(grade, now)
    incident = Incident.objects.create(
        number=incident_number_next(year=timezone.localtime(now).year),
        title=title[:200],
        description=(description or "").strip(),
        grade=grade,
        declared_at=now,
        declared_by=acting_user(actor),
        response_due_at=due["response"],
        handling_due_at=due["handling"],
        closure_due_at=due["closure"],
    )
    _event(incident, IncidentEventKind.DECLARED, actor, grade=grade)
    audit_record(
        actor=actor,
        action="incident.declared",
        obj=incident,
        changes={"number": incident.number, "grade": grade, "title": incident.title},
    )
    return incident


@transaction.atomic
def incident_stage_advance(*, incident, actor, to_stage, note="", expected_version=None):
    """Move the incident to its next stage (declared → responded → handled → closed) and
    stop that stage's clock. A skip or a step back raises ``invalid_transition``.
    Writes the stage's time, a ``stage`` entry (on time or late) and the audit."""
    _require_supervisor(actor)
    incident = _locked(incident, expected_version)
    step = NEXT_STAGE.get(incident.stage)
    if step is None or step[0] != to_stage:
        raise InvalidTransition(
            _("The incident cannot go from %(from)s to %(to)s.")
            % {"from": IncidentStage(incident.stage).label, "to": IncidentStage(to_stage).label}
        )
    now = timezone.now()
    before = incident.stage
    due = getattr(incident, f"{step[1]}_due_at")
    incident.stage = to_stage
    setattr(incident, STAGE_FIELD[to_stage], now)
    incident.version = F("version") + 1
    incident.save(update_fields=["stage", STAGE_FIELD[to_stage], "version"])
    incident.refresh_from_db(fields=["version"])
    _event(
        incident,
        IncidentEventKind.STAGE,
        actor,
        stage=to_stage,
        late=now > due,
        note=(note or "").strip()[:2000],
    )
    audit_record(
        actor=actor,
        action="incident.stage_changed",
        obj=incident,
        changes={"stage": [before, to_stage]},
    )
    return incident


def _stage_step(name, to_stage, doc):
    """``name``: the service that moves an incident to ``to_stage`` (``doc`` says from where)."""

    def step(*, incident, actor, note="", expected_version=None):
        return incident_stage_advance(
            incident=incident,
            actor=actor,
            to_stage=to_stage,
            note=note,
            expected_version=expected_version,
        )

    step.__name__ = step.__qualname__ = name
    step.__doc__ = doc
    return step


incident_respond = _stage_step(
    "incident_respond", IncidentStage.RESPONDED, "declared → responded (stops the response clock)."
)
incident_handle = _stage_step(
    "incident_handle",
    IncidentStage.HANDLED,
    "responded → initially handled (stops the 12 h clock).",
)
incident_close = _stage_step(
    "incident_close",
    IncidentStage.CLOSED,
    "initially handled → closed (the closed loop: stops the 24 h clock).",
)
