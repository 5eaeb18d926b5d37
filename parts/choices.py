"""Declared values of the parts app: location kinds, movement kinds and their directions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    OUTLET = "outlet", _("Service outlet")
    VAN = "van", _("Technician's van")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue to ticket")
    RETURN = "return", _("Return from ticket")
    TRANSFER = "transfer", _("Transfer")
    ADJUSTMENT = "adjustment", _("Adjustment")
    SCRAP = "scrap", _("Scrap")
    RECOVERY = "recovery", _("Recovery (refurbished)")


# Which side(s) of a movement name a location: (from_location, to_location).
# ``None`` means "exactly one of the two" (an adjustment goes up or down).
MOVEMENT_SIDES = {
    MovementKind.RECEIPT: (False, True),
    MovementKind.ISSUE: (True, False),
    MovementKind.RETURN: (False, True),
    MovementKind.TRANSFER: (True, True),
    MovementKind.ADJUSTMENT: None,
    MovementKind.SCRAP: (True, False),
    MovementKind.RECOVERY: (False, True),
}

# Kinds a supervisor posts directly (the API); issues and returns go through tickets.
MANUAL_KINDS = (
    MovementKind.RECEIPT,
    MovementKind.TRANSFER,
    MovementKind.ADJUSTMENT,
    MovementKind.SCRAP,
    MovementKind.RECOVERY,
)


class ReservationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ISSUED = "issued", _("Issued")
    RELEASED = "released", _("Released")


class CountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")


class RecoveryStatus(models.TextChoices):
    NONE = "", _("Nothing removed")
    PENDING = "pending", _("Awaiting refurbishment")
    REFURBISHED = "refurbished", _("Refurbished")
    SCRAPPED = "scrapped", _("Scrapped")
