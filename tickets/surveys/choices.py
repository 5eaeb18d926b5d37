"""Codes of the satisfaction surveys (回访)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating 1–5")
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Free text")


class StandardQuestion(models.TextChoices):
    """The standard questions of a return visit; a template may add its own keys."""

    TIMELINESS = "timeliness", _("Timeliness")
    ATTITUDE = "attitude", _("Attitude")
    SKILL = "skill", _("Skill")
    CLEANLINESS = "cleanliness", _("Cleanliness")
    OVERALL = "overall", _("Overall")


class ResponseChannel(models.TextChoices):
    CALL = "call", _("Follow-up call")
    LINK = "link", _("Customer's survey link")


class SampleReason(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint: always visited")
    SAMPLED = "sampled", _("Picked by the sample")
    NOT_SAMPLED = "not_sampled", _("Not in the sample")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
