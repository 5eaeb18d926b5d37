"""Codes of the service incidents: grades, stages, how a ticket was linked, timeline kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IncidentGrade(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    GENERAL = "general", _("General")


class IncidentStage(models.TextChoices):
    """The closed loop, in order: each stage has its due time from INCIDENT_TARGETS."""

    DECLARED = "declared", _("Declared")
    RESPONDED = "responded", _("Responded")
    HANDLED = "handled", _("Initially handled")
    CLOSED = "closed", pgettext_lazy("incident stage", "Closed")


# stage → (the next stage, the target key of the clock that the step stops)
NEXT_STAGE = {
    IncidentStage.DECLARED: (IncidentStage.RESPONDED, "response"),
    IncidentStage.RESPONDED: (IncidentStage.HANDLED, "handling"),
    IncidentStage.HANDLED: (IncidentStage.CLOSED, "closure"),
}
TARGET_KEYS = ("response", "handling", "closure")
CLOCK_LABELS = {
    "response": _("Response"),
    "handling": _("Initial handling"),
    "closure": _("Closed loop"),
}


class LinkMethod(models.TextChoices):
    MANUAL = "manual", _("Linked by hand")
    RULE = "rule", _("Linked by the rule")
    ARRIVAL = "arrival", _("Linked on arrival by the rule")


class IncidentEventKind(models.TextChoices):
    DECLARED = "declared", _("Declared")
    STAGE = "stage", _("Stage reached")
    OVERDUE = "overdue", _("Due time passed")
    RULE_SET = "rule_set", _("Rule set")
    RULE_LINKED = "rule_linked", _("Tickets linked by the rule")
    LINKED = "linked", _("Ticket linked")
    UNLINKED = "unlinked", _("Ticket unlinked")
    NOTICE_DRAFTED = "notice_drafted", _("Notice drafted")
    NOTICE_SENT = "notice_sent", _("Notice sent")
    REVIEWED = "reviewed", _("Post-incident review recorded")
