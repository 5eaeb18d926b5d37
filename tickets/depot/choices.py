"""Codes of the depot repair: the workshop stages and their table, loan-unit states, the
condition checklist and the accessories an intake names."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets.choices import DepotStage

__all__ = [
    "ACCESSORIES",
    "CONDITION_CHECKS",
    "STAGE_TRANSITIONS",
    "DepotStage",
    "LoanStatus",
    "ReceiptStatus",
    "TurnaroundState",
]

S = DepotStage

# The workshop's allowed moves: from → the stages it may go to. Quality check may send
# the unit back to repairing when it fails; "returned" is only reached by the return
# (receipt_return), which closes the receipt with the customer's signature.
STAGE_TRANSITIONS = {
    S.RECEIVED: (S.DIAGNOSING,),
    S.DIAGNOSING: (S.WAITING_PARTS, S.REPAIRING),
    S.WAITING_PARTS: (S.REPAIRING,),
    S.REPAIRING: (S.WAITING_PARTS, S.QUALITY_CHECK),
    S.QUALITY_CHECK: (S.REPAIRING, S.READY),
    S.READY: (S.RETURNED,),
    S.RETURNED: (),
}
# The stages the stage service moves to (the return has its own service and form).
WORKSHOP_STAGES = tuple(s for s in S if s != S.RETURNED)
# The turnaround clock stands still while the workshop waits for parts.
PAUSED_STAGES = (S.WAITING_PARTS,)


class ReceiptStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class LoanStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LENT = "lent", _("Lent")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class TurnaroundState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")


# The condition checklist at intake (codes stored, labels shown).
CONDITION_CHECKS = {
    "scratches": _("Scratches"),
    "dents": _("Dents"),
    "cracks": _("Cracked housing"),
    "missing_screws": _("Missing screws or covers"),
    "water": _("Signs of water or damp"),
    "dirty": _("Dirty or dusty"),
}
ACCESSORIES = {
    "remote": _("Remote control"),
    "power_cord": _("Power cord"),
    "adapter": _("Power adapter"),
    "manual": _("User manual"),
    "box": _("Original box"),
    "filter": pgettext_lazy("accessory", "Filter"),
}
