from django.db import models
from django.utils.translation import gettext_lazy as _


class OutletKind(models.TextChoices):
    OWN = "own", _("Own outlet")
    PARTNER = "partner", _("Partner outlet")


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class Grade(models.TextChoices):
    A = "A", _("A: excellent")
    B = "B", _("B: good")
    C = "C", _("C: needs improvement")
    D = "D", _("D: unsatisfactory")
