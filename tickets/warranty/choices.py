"""The warranty's codes: scopes of a term, kinds and statuses of a service contract."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarrantyScope(models.TextChoices):
    """What a warranty term covers: the whole unit, the labour, or one group of main parts."""

    UNIT = "unit", _("Whole unit")
    LABOUR = "labour", _("Labour")
    PART_GROUP = "part_group", _("Main-part group")


class ContractKind(models.TextChoices):
    EXTENDED_WARRANTY = "extended_warranty", _("Extended warranty")
    MAINTENANCE = "maintenance", _("Maintenance")
    INSTALLATION = "installation", _("Installation")


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
