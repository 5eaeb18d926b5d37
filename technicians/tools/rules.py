"""The check-in rule: a job of a product category that requires instruments (a refrigerant
gauge and a leak detector for air conditioners…) needs its technician to hold, for each
required kind, an in-service instrument whose calibration holds today.

``check_in_tool_problems`` says what is missing (the job page's warning);
``check_in_tools_enforce`` is what ``tickets.services.lifecycle.ticket_check_in`` calls: it
refuses with ``ToolCalibrationOverdue`` when ``TOOLS_REFUSE_OVERDUE_CHECKIN`` is on.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import ToolCalibrationOverdue
from .models import Instrument, ToolRequirement


@dataclass
class ToolProblem:
    """A required kind the technician has no current instrument of, with the instruments
    of that kind they hold that do not count (overdue, never calibrated, not in service)."""

    kind_code: str
    kind_name: str
    instruments: list = field(default_factory=list)

    def text(self):
        if not self.instruments:
            return _("%(kind)s: none held") % {"kind": self.kind_name}
        held = ", ".join(
            _("%(number)s (due %(due)s)")
            % {
                "number": i.number,
                "due": i.calibration_due_on.isoformat() if i.calibration_due_on else _("never"),
            }
            if i.status == "in_service"
            else _("%(number)s (%(status)s)")
            % {"number": i.number, "status": i.get_status_display()}
            for i in self.instruments
        )
        return _("%(kind)s: %(instruments)s") % {"kind": self.kind_name, "instruments": held}


def required_kinds(*, product_id):
    """The instrument kinds the category of unit ``product_id`` requires (one query; a
    list ordered by code, empty for no unit)."""
    if product_id is None:
        return []
    return [
        r.kind
        for r in ToolRequirement.objects.filter(category__models__units=product_id)
        .select_related("kind")
        .order_by("kind__code")
    ]


def missing_tools(*, kinds, held, day):
    """Pure decision: ``kinds`` required, ``held`` instruments (any state) → the
    ``ToolProblem`` of each kind with no in-service instrument due on or after ``day``."""
    problems = []
    for kind in kinds:
        of_kind = [i for i in held if i.kind_id == kind.pk]
        if any(
            i.status == "in_service" and i.calibration_due_on and i.calibration_due_on >= day
            for i in of_kind
        ):
            continue
        problems.append(ToolProblem(kind.code, kind.name, of_kind))
    return problems


def check_in_tool_problems(*, ticket, technician=None, day=None):
    """What the technician of ``ticket`` lacks for its category (empty: all fine). Two
    queries at most (the requirements, the instruments held)."""
    technician_id = technician.pk if technician is not None else ticket.technician_id
    if technician_id is None:
        return []
    kinds = required_kinds(product_id=ticket.product_id)
    if not kinds:
        return []
    held = list(
        Instrument.objects.filter(holder_id=technician_id, kind__in=kinds).order_by("number")
    )
    return missing_tools(kinds=kinds, held=held, day=day or timezone.localdate())


def problems_message(problems):
    """The refusal / warning in words, naming each kind and the instruments held."""
    return _(
        "A tool this job requires is not calibrated: %(problems)s. Record its calibration "
        "or take a calibrated one from the store."
    ) % {"problems": "; ".join(p.text() for p in problems)}


def check_in_tools_enforce(*, ticket, technician=None, day=None):
    """Refuse the check-in (``ToolCalibrationOverdue``, 409 ``tool_calibration_overdue``)
    when ``TOOLS_REFUSE_OVERDUE_CHECKIN`` is on and a required tool is missing or overdue;
    return the problems otherwise (the lifecycle records them on the check-in event)."""
    problems = check_in_tool_problems(ticket=ticket, technician=technician, day=day)
    if problems and settings.TOOLS_REFUSE_OVERDUE_CHECKIN:
        raise ToolCalibrationOverdue(
            problems_message(problems),
            extra={
                "kinds": [p.kind_code for p in problems],
                "instruments": [i.number for p in problems for i in p.instruments],
            },
        )
    return problems
