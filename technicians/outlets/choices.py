from django.db import models
from django.utils.translation import gettext_lazy as _


class OutletKind(models.TextChoices):
    OWN = "own", _("Own outlet")
    PARTNER = "partner", _("Partner outlet")
