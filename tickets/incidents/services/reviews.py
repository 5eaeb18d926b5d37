"""The post-incident review."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import acting_user
from audits.services import audit_record

from ..choices import IncidentEventKind
from ..models import IncidentReview
from .common import _event, _locked, _require_supervisor


@transaction.atomic
def incident_review_record(*, incident, actor, cause, actions_taken, lessons="", follow_up=""):
    """Record (or revise) the post-incident review: cause, what was done, lessons,
    follow-up actions, reviewed by and at. Writes the review, a ``reviewed`` entry and
    the audit."""
    _require_supervisor(actor)
    incident = _locked(incident)
    errors = {}
    if not (cause or "").strip():
        errors["cause"] = [_("Say what caused the incident.")]
    if not (actions_taken or "").strip():
        errors["actions_taken"] = [_("Say what was done.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "cause": cause.strip(),
        "actions_taken": actions_taken.strip(),
        "lessons": (lessons or "").strip(),
        "follow_up": (follow_up or "").strip(),
        "reviewed_by": acting_user(actor),
        "reviewed_at": timezone.now(),
    }
    review, created = IncidentReview.objects.update_or_create(incident=incident, defaults=values)
    _event(incident, IncidentEventKind.REVIEWED, actor, revised=not created)
    audit_record(
        actor=actor,
        action="incident.reviewed",
        obj=incident,
        changes={k: v for k, v in values.items() if k not in ("reviewed_by", "reviewed_at")},
    )
    return review
